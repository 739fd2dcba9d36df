import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { isChartbridgeError } from '../../errors.ts';
import { requireApiKey } from './api-key.ts';
import { CONTENT_SECURITY_POLICY, securityHeaders } from './security-headers.ts';

function buildApp(apiKey: string | undefined) {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.onError((error, c) =>
    c.json({ code: isChartbridgeError(error) ? error.code : 'other' }, isChartbridgeError(error) ? 401 : 500),
  );
  app.use('/api/*', requireApiKey(apiKey));
  app.get('/api/secret', (c) => c.json({ data: 'secret' }));
  return app;
}

test('the right bearer key passes; missing, wrong, longer, shorter or other schemes are 401', async () => {
  const app = buildApp('k'.repeat(32));
  assert.equal(
    (await app.request('/api/secret', { headers: { authorization: `Bearer ${'k'.repeat(32)}` } })).status,
    200,
  );
  for (const authorization of [
    undefined,
    `Bearer ${'k'.repeat(31)}`,
    `Bearer ${'k'.repeat(33)}`,
    `Bearer ${'x'.repeat(32)}`,
    `Basic ${'k'.repeat(32)}`,
    'k'.repeat(32),
    'Bearer ',
  ]) {
    const response = await app.request('/api/secret', { headers: authorization ? { authorization } : {} });
    assert.equal(response.status, 401, String(authorization));
    assert.deepEqual(await response.json(), { code: 'ERR_UNAUTHORIZED' });
  }
});

test('without a configured key nothing is accepted', async () => {
  const app = buildApp(undefined);
  assert.equal(
    (await app.request('/api/secret', { headers: { authorization: 'Bearer undefined' } })).status,
    401,
  );
});

test('every response carries the strict headers, errors included', async () => {
  const app = buildApp('k'.repeat(32));
  const response = await app.request('/api/secret');
  assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|script-src/);
});
