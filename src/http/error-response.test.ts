import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { ChartbridgeError, ERROR_CODES, type ChartbridgeErrorCode } from '../errors.ts';
import { createSilentLogger } from '../log/logger.ts';
import { respondWithError } from './error-response.ts';

/** The contract, written out: a code added to errors.ts fails here until its status is decided and listed. */
const EXPECTED_STATUS: Record<ChartbridgeErrorCode, number> = {
  ERR_CONFIG_INVALID: 500,
  ERR_KEY_INVALID: 500,
  ERR_KEY_NOT_FOUND: 500,
  ERR_ENCRYPTION_KEY_INVALID: 500,
  ERR_DATABASE_URL_INVALID: 500,
  ERR_DATABASE_UNAVAILABLE: 503,
  ERR_INVALID_INPUT: 400,
  ERR_NOT_FOUND: 404,
  ERR_UNAUTHORIZED: 401,
  ERR_FORM_EXPIRED: 403,
  ERR_CONFLICT: 409,
  ERR_STATE_INVALID: 400,
  ERR_ISSUER_MISMATCH: 400,
  ERR_AUTHORIZATION_DENIED: 400,
  ERR_DISCOVERY_FAILED: 502,
  ERR_ORIGIN_MISMATCH: 502,
  ERR_TOKEN_RESPONSE_INVALID: 502,
  ERR_ID_TOKEN_INVALID: 502,
  ERR_INVALID_GRANT: 409,
  ERR_INVALID_CLIENT: 502,
  ERR_TOKEN_ENDPOINT_UNAVAILABLE: 503,
  ERR_NOT_REFRESHABLE: 409,
  ERR_REFRESH_IN_PROGRESS: 503,
  ERR_SEAL_INVALID: 500,
  ERR_CONNECTION_INACTIVE: 409,
  ERR_FHIR_HTTP: 502,
  ERR_FHIR_RESPONSE_INVALID: 502,
  ERR_SIZE_LIMIT: 502,
  ERR_TIMEOUT: 504,
  ERR_PAGE_LIMIT: 502,
  ERR_TOO_SLOW: 504,
  ERR_FHIR_REAUTH_REQUIRED: 401,
  ERR_FHIR_RETRYABLE: 503,
  ERR_SYNC_FAILED: 502,
  ERR_DIRECTORY_INVALID: 400,
  ERR_DIRECTORY_GATE: 400,
  ERR_PORTAL_SESSION: 401,
  ERR_PORTAL_RESPONSE: 502,
  ERR_LEASE_LOST: 409,
  ERR_JOB_INTERRUPTED: 503,
  ERR_RATE_LIMITED: 429,
};

function throwingApp(): Hono {
  const app = new Hono();
  app.onError((error, c) => respondWithError(c, error, createSilentLogger()));
  const fail = (code: string) => {
    if (code === 'ERR_SURPRISE') throw new Error('a library failed with secret-looking detail');
    throw new ChartbridgeError(code as ChartbridgeErrorCode, `something about ${code}; fix it`);
  };
  app.get('/api/throw/:code', (c) => fail(c.req.param('code')));
  app.get('/page/throw/:code', (c) => fail(c.req.param('code')));
  return app;
}

test('every error code leaves with the one status of the table, as {error: {code, message}} under /api', async () => {
  assert.deepEqual([...ERROR_CODES].sort(), Object.keys(EXPECTED_STATUS).sort());
  const app = throwingApp();
  for (const code of ERROR_CODES) {
    const response = await app.request(`/api/throw/${code}`);
    assert.equal(response.status, EXPECTED_STATUS[code], code);
    assert.deepEqual(await response.json(), { error: { code, message: `something about ${code}; fix it` } });
  }
});

test('on a page the same status comes with an HTML page that shows the message', async () => {
  const app = throwingApp();
  for (const code of ERROR_CODES) {
    const response = await app.request(`/page/throw/${code}`);
    assert.equal(response.status, EXPECTED_STATUS[code], code);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok((await response.text()).includes(`something about ${code}; fix it`), code);
  }
});

test('an unexpected error is a 500 ERR_INTERNAL that says nothing of its cause', async () => {
  const response = await throwingApp().request('/api/throw/ERR_SURPRISE');
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), {
    error: {
      code: 'ERR_INTERNAL',
      message: 'internal error; the operator can find details in the server log',
    },
  });
});

test('/metrics and /openapi.json answer errors as JSON too: their clients are programs', async () => {
  const app = new Hono();
  app.onError((error, c) => respondWithError(c, error, createSilentLogger()));
  for (const path of ['/metrics', '/openapi.json'])
    app.get(path, () => {
      throw new ChartbridgeError('ERR_UNAUTHORIZED', 'no key; send one');
    });
  for (const path of ['/metrics', '/openapi.json']) {
    const response = await app.request(path);
    assert.equal(response.status, 401, path);
    assert.deepEqual(await response.json(), {
      error: { code: 'ERR_UNAUTHORIZED', message: 'no key; send one' },
    });
  }
});
