import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { loadConfig } from '../../config/config.ts';
import { generateEncryptionKey } from '../../crypto/sealer.ts';
import { generateKey } from '../../keys/key-admin.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createServices, type Services } from '../../services.ts';
import { createTestStore } from '../../testing/databases.ts';
import { noJobs } from '../../testing/connected-app.ts';
import { createHttpApp } from '../app.ts';

/** Routes under /api that are not the JSON management API: the OAuth redirect URI answers the browser. */
const NOT_MANAGEMENT_API = new Set(['GET /api/auth/smart/callback']);
const API_KEY = 'openapi-test-key-0123456789';

let app: Hono;
let services: Services;
let cleanup: () => Promise<void>;
before(async () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'chartbridge-keys-'));
  await generateKey(keysDir);
  const test = await createTestStore('sqlite');
  const config = loadConfig({
    CHARTBRIDGE_DATABASE_URL: test.url,
    CHARTBRIDGE_KEYS_DIR: keysDir,
    CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey(),
    CHARTBRIDGE_API_KEY: API_KEY,
    CHARTBRIDGE_PUBLIC_URL: 'http://127.0.0.1:8080',
  });
  services = await createServices(config, { store: test.store, log: createSilentLogger(), jobs: noJobs });
  app = createHttpApp(services);
  cleanup = async () => {
    await test.cleanup();
    rmSync(keysDir, { recursive: true, force: true });
  };
});
after(() => cleanup());

async function openApiDocument(): Promise<{
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}> {
  const response = await app.request('/openapi.json');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
}

test('/openapi.json is a valid OpenAPI 3.1 document', async () => {
  const document = await openApiDocument();
  assert.equal(document.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, '3.1');
});

test('every /api route the app answers is in the OpenAPI document, and nothing else is', async () => {
  const document = await openApiDocument();
  const described = Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();
  const served = [
    ...new Set(
      app.routes
        .filter((route) => route.path.startsWith('/api/') && route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path}`)
        .filter((route) => !NOT_MANAGEMENT_API.has(route)),
    ),
  ].sort();
  assert.deepEqual(served, described);
  // The contract of DESIGN.md §HTTP, so a route dropped from both sides fails too.
  assert.deepEqual(described, [
    'DELETE /api/connections/:id',
    'DELETE /api/users/:userId',
    'GET /api/connections/:id',
    'GET /api/connections/:id/binaries/:binaryId',
    'GET /api/connections/:id/coverage',
    'GET /api/connections/:id/export',
    'GET /api/connections/:id/resources',
    'GET /api/connections/:id/sync-runs',
    'GET /api/directory',
    'GET /api/users/:userId/connections',
    'POST /api/connect-sessions',
    'POST /api/connections/:id/sync',
  ]);
});

test('every /api operation documents the 401 of the key and the 429 of the wrong-key lockout', async () => {
  const document = await openApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      responses: (operation as { responses: Record<string, { description: string }> }).responses,
    })),
  );
  assert.equal(operations.length, 12);
  for (const { name, responses } of operations) {
    assert.match(responses['401']?.description ?? '', /^ERR_UNAUTHORIZED: /, name);
    assert.equal(
      responses['429']?.description,
      'ERR_RATE_LIMITED: Too many wrong API keys from this address: wait for the Retry-After seconds (the key is not checked until then).',
      name,
    );
  }
});

test('a request its schemas refuse is a 400 ERR_INVALID_INPUT in the {error: {code, message}} shape', async () => {
  const call = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${API_KEY}`, ...init.headers } });
  const cases: Array<[string, RequestInit, string]> = [
    [
      '/api/connections/a%20b',
      {},
      "'connection id' must be 1-128 characters of letters, digits and . _ : @ -",
    ],
    ['/api/connections/c1?erase=yes', { method: 'DELETE' }, "'erase' must be true or false"],
    ['/api/connections/c1/sync?full=1', { method: 'POST' }, "'full' must be true or false"],
    ['/api/connections/c1/export?format=xml', {}, "'format' must be ndjson or bundle"],
    ['/api/connections/c1/resources?_count=5001', {}, "'_count' must be 1-5000"],
    ['/api/directory?limit=2&limit=3', {}, "'limit' must be a whole number from 1 to 50"],
    [
      '/api/connect-sessions',
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
      "'userId' must be 1-128 characters of letters, digits and . _ : @ -",
    ],
    [
      '/api/connect-sessions',
      { method: 'POST', body: 'userId=u', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      'send a json body with Content-Type: application/json',
    ],
    [
      '/api/connect-sessions',
      { method: 'POST', body: '{"userId":"u"}', headers: { 'content-type': 'application/json; odd' } },
      'send a json body with Content-Type: application/json',
    ],
    [
      '/api/connect-sessions',
      { method: 'POST', body: '{"userId":', headers: { 'content-type': 'application/json' } },
      'the request body must be a json object',
    ],
  ];
  for (const [path, init, message] of cases) {
    const response = await call(path, init);
    assert.equal(response.status, 400, path);
    assert.deepEqual(await response.json(), { error: { code: 'ERR_INVALID_INPUT', message } }, path);
  }
});

test('without the API key a route answers 401 before its schemas look at the request', async () => {
  const response = await app.request('/api/connections/a%20b?erase=yes', { method: 'DELETE' });
  assert.equal(response.status, 401);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'ERR_UNAUTHORIZED');
});

test('every /api operation refuses a missing or wrong key with 401; the OAuth redirect URI needs none', async () => {
  const document = await openApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({
      method: method.toUpperCase(),
      path: path.replaceAll(/\{\w+\}/g, 'x1'),
    })),
  );
  assert.equal(operations.length, 12);
  // 12 wrong keys from one address would reach the lockout (429) first: here only the key check is tested.
  const { safeguards } = services.config;
  const apiKeyLockout = { ...safeguards.apiKeyLockout, maxFailures: 100 };
  const keyChecked = createHttpApp({
    ...services,
    config: { ...services.config, safeguards: { ...safeguards, apiKeyLockout } },
  });
  const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-key-wrong-key' }];
  for (const { method, path } of operations)
    for (const headers of attempts) {
      const response = await keyChecked.request(path, { method, headers });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="chartbridge"');
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'ERR_UNAUTHORIZED');
    }
  // The patient's browser comes back here from the EHR, without a key: refused for its missing state, not the key.
  const callback = await app.request('/api/auth/smart/callback?code=c&state=s');
  assert.notEqual(callback.status, 401);
  assert.equal(callback.headers.get('www-authenticate'), null);
});
