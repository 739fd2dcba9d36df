import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { securityHeaders, STRICT_TRANSPORT_SECURITY } from './security-headers.ts';

function buildApp(https: boolean | undefined) {
  const app = new Hono();
  app.use('*', securityHeaders(https === undefined ? undefined : { https }));
  app.onError((_error, c) => c.text('error', 500));
  app.get('/page', (c) => c.text('ok'));
  app.get('/fail', () => {
    throw new Error('x');
  });
  return app;
}

test('HSTS on every response, errors and 404s included, when the public URL is https', async () => {
  const app = buildApp(true);
  for (const path of ['/page', '/fail', '/missing']) {
    const response = await app.request(path);
    assert.equal(response.headers.get('strict-transport-security'), 'max-age=31536000', path);
  }
  assert.equal(STRICT_TRANSPORT_SECURITY, 'max-age=31536000');
});

test('no HSTS on plain http (a demo on localhost must not pin the name)', async () => {
  for (const https of [false, undefined]) {
    const response = await buildApp(https).request('/page');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('strict-transport-security'), null);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  }
});
