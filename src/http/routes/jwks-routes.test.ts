import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { createManualClock } from '../../clock.ts';
import { loadKeyStore } from '../../keys/key-store.ts';
import { ecPem, rsaPem } from '../../testing/test-keys.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { startHttpServer } from '../start-server.ts';
import { createJwksRoutes } from './jwks-routes.ts';

test('GET /.well-known/jwks.json over HTTP: public keys only, RSA first, cacheable for an hour', async () => {
  const keys = await loadKeyStore({
    privateKeysPem: `${ecPem('P-384')}${rsaPem()}`,
    clock: createManualClock(),
  });
  // Mounted as app.ts mounts it, behind the strict-headers middleware that defaults to no-store.
  const app = new Hono();
  app.use('*', securityHeaders());
  app.route('/', createJwksRoutes(keys));
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/.well-known/jwks.json`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    assert.deepEqual(body, keys.publicJwks());
    assert.deepEqual(
      body.keys.map((k) => Object.keys(k).sort()),
      [
        ['alg', 'e', 'kid', 'kty', 'n', 'use'],
        ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      ],
    );
    for (const key of body.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in key, false);
    }
    assert.deepEqual(
      body.keys.map((k) => [k.kty, k.use]),
      [
        ['RSA', 'sig'],
        ['EC', 'sig'],
      ],
    );
  } finally {
    await server.close();
  }
});

test('the served JWKS is a copy: changing a response cannot change what is served next', async () => {
  const keys = await loadKeyStore({ privateKeysPem: rsaPem(), clock: createManualClock() });
  const first = keys.publicJwks();
  first.keys[0]!.d = 'injected';
  first.keys.push({ kty: 'oct' });
  const app = createJwksRoutes(keys);
  const body = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: object[] };
  assert.equal(body.keys.length, 1);
  assert.equal('d' in body.keys[0]!, false);
});
