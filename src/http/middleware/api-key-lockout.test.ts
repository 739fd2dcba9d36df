import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { createManualClock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { respondWithError } from '../error-response.ts';
import { limitFailedApiKeys } from './api-key-lockout.ts';
import { requireApiKey } from './api-key.ts';

const KEY = 'k'.repeat(32);

function buildApp() {
  const clock = createManualClock();
  const app = new Hono();
  app.onError((error, c) => respondWithError(c, error, createSilentLogger()));
  app.use('/api/*', limitFailedApiKeys({ clock, maxFailures: 3, windowMs: 15 * 60_000 }));
  // Two route groups with their own requireApiKey, as in the app: one count covers both.
  app.use('/api/a/*', requireApiKey(KEY));
  app.use('/api/b/*', requireApiKey(KEY));
  app.get('/api/a/data', (c) => c.json({ ok: true }));
  app.get('/api/b/data', (c) => c.json({ ok: true }));
  app.get('/api/public', (c) => c.json({ ok: true }));
  const from = (address: string, path: string, key?: string) =>
    app.request(
      path,
      { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } },
      { incoming: { socket: { remoteAddress: address } } },
    );
  return { clock, from };
}

test('after 3 wrong keys from one address it answers 429 with Retry-After until the window ends', async () => {
  const { clock, from } = buildApp();
  assert.equal((await from('10.0.0.1', '/api/a/data', 'wrong-1')).status, 401);
  assert.equal((await from('10.0.0.1', '/api/b/data', 'wrong-2')).status, 401);
  // The right key neither counts nor resets: it is simply unaffected while under the limit.
  assert.equal((await from('10.0.0.1', '/api/a/data', KEY)).status, 200);
  assert.equal((await from('10.0.0.1', '/api/a/data', 'wrong-3')).status, 401);

  clock.advance(60_000);
  const limited = await from('10.0.0.1', '/api/a/data', 'wrong-4');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), String(14 * 60));
  assert.deepEqual(await limited.json(), {
    error: {
      code: 'ERR_RATE_LIMITED',
      message:
        'too many wrong api keys from this address; wait for Retry-After seconds, then send the right key',
    },
  });
  // Not compared while limited: the right key cannot be told from a wrong one.
  assert.equal((await from('10.0.0.1', '/api/b/data', KEY)).status, 429);
  // Another address, and requests without a key to public routes, are unaffected.
  assert.equal((await from('10.0.0.2', '/api/a/data', KEY)).status, 200);
  assert.equal((await from('10.0.0.2', '/api/a/data', 'wrong')).status, 401);
  assert.equal((await from('10.0.0.1', '/api/public')).status, 200);

  clock.advance(14 * 60_000);
  assert.equal((await from('10.0.0.1', '/api/a/data', KEY)).status, 200);
  assert.equal((await from('10.0.0.1', '/api/a/data', 'wrong-5')).status, 401);
});

test('requests without any Authorization header are refused but never counted (a shared proxy address)', async () => {
  const { from } = buildApp();
  for (let i = 0; i < 10; i += 1) assert.equal((await from('10.0.0.9', '/api/a/data')).status, 401);
  // Ten key-less refusals later, the right key from the same address still answers.
  assert.equal((await from('10.0.0.9', '/api/a/data', KEY)).status, 200);
  assert.equal((await from('10.0.0.9', '/api/a/data', 'wrong-1')).status, 401);
  assert.equal((await from('10.0.0.9', '/api/a/data', 'wrong-2')).status, 401);
  assert.equal((await from('10.0.0.9', '/api/a/data', 'wrong-3')).status, 401);
  assert.equal((await from('10.0.0.9', '/api/a/data', KEY)).status, 429);
});

test('wrong keys answered at the same time each count', async () => {
  const { from } = buildApp();
  // All three read the address's count before any of them is refused.
  const answers = await Promise.all(
    ['wrong-1', 'wrong-2', 'wrong-3'].map((key) => from('10.0.0.7', '/api/a/data', key)),
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    [401, 401, 401],
  );
  assert.equal((await from('10.0.0.7', '/api/a/data', KEY)).status, 429);
});
