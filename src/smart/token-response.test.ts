import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { isChartbridgeError, type ChartbridgeErrorCode } from '../errors.ts';
import { DEFAULT_EXPIRES_IN_SECONDS, processTokenResponse } from './token-response.ts';

const endpoint = 'https://ehr.example.org/oauth2/token';
const clock = createManualClock(Date.UTC(2026, 5, 1));
const context = {
  as: { issuer: 'https://ehr.example.org/oauth2', token_endpoint: endpoint },
  client: { client_id: 'c' },
  clock,
  operation: 'code exchange' as const,
};
const SECRET = 'secret-access-token-value';

function json(body: unknown, status = 200, type = 'application/json') {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': type },
  });
}

async function rejectsWith(response: Response, code: ChartbridgeErrorCode, message: string) {
  await assert.rejects(processTokenResponse(response, context), (e) => {
    assert.ok(isChartbridgeError(e, code), String(e));
    assert.equal(e.message, message);
    assert.ok(!e.message.includes(SECRET));
    return true;
  });
}

test('case 5: no access_token, unknown token_type, HTML or non-JSON bodies are clear errors', async () => {
  await rejectsWith(
    json({ token_type: 'Bearer', patient: 'p' }),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: 'response' body 'access_token' property must be a string`,
  );
  await rejectsWith(
    json({ access_token: SECRET, token_type: 'mac', patient: 'p' }),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: unsupported token_type`,
  );
  await rejectsWith(
    json({ access_token: SECRET, token_type: 'DPoP', patient: 'p' }),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: unsupported token_type 'dpop'`,
  );
  await rejectsWith(
    json('<html><body>IIS error</body></html>', 200, 'text/html'),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: the body is not json`,
  );
  await rejectsWith(
    json(`{"access_token":"${SECRET}"`),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: the body is not json`,
  );
});

test('case 6: missing expires_in gets a short default; missing refresh_token means not refreshable', async () => {
  const tokens = await processTokenResponse(
    json({
      access_token: SECRET,
      token_type: 'Bearer',
      scope: 'patient/Patient.read launch/patient ',
      patient: 'abc.123-x',
    }),
    context,
  );
  assert.equal(tokens.accessExpiresAt, clock.now() + DEFAULT_EXPIRES_IN_SECONDS * 1000);
  assert.equal(tokens.refreshToken, undefined);
  assert.equal(tokens.scope, 'patient/Patient.read launch/patient');
  assert.equal(tokens.patient, 'abc.123-x');
});

test('refresh_token decides refreshability even when scope omits offline_access', async () => {
  const tokens = await processTokenResponse(
    json({
      access_token: SECRET,
      token_type: 'bearer',
      expires_in: '3600',
      refresh_token: 'r',
      scope: 'patient/Patient.read',
    }),
    context,
  );
  assert.equal(tokens.refreshToken, 'r');
  assert.equal(tokens.accessExpiresAt, clock.now() + 3600_000);
});

test('cases 19–21: errors are classified by status, then by the oauth error code', async () => {
  await rejectsWith(
    json({ error: 'invalid_grant', error_description: SECRET }, 400),
    'ERR_INVALID_GRANT',
    `token endpoint '${endpoint}' rejected the grant (invalid_grant) during code exchange; the patient must connect again`,
  );
  await rejectsWith(
    json({ error: 'invalid_client' }, 401),
    'ERR_INVALID_CLIENT',
    `token endpoint '${endpoint}' rejected our client (invalid_client) during code exchange; check that the server can fetch our JWKS and that the key has propagated, or upload the JWKS directly`,
  );
  await rejectsWith(
    json('', 503, 'text/html'),
    'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
    `token endpoint '${endpoint}' answered http 503 during code exchange; retry later`,
  );
  await rejectsWith(
    json('<html>busy</html>', 429, 'text/html'),
    'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
    `token endpoint '${endpoint}' answered http 429 during code exchange; retry later`,
  );
  await rejectsWith(
    json('<html>nope</html>', 400, 'text/html'),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token endpoint '${endpoint}' answered http 400 without an oauth error during code exchange`,
  );
  await rejectsWith(
    json({ error: '<script>' }, 400),
    'ERR_TOKEN_RESPONSE_INVALID',
    `token endpoint '${endpoint}' answered http 400 without an oauth error during code exchange`,
  );
});
