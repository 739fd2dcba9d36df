import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { createManualClock } from '../../clock.ts';
import { limitRequestsPerWindow } from '../request-window-limiter.ts';
import { createOperatorSessions } from './operator-session.ts';

function createApp(apiKey: string | undefined, clock = createManualClock()) {
  const sessions = createOperatorSessions({ apiKey, clock, publicUrl: 'https://cb.example' });
  const app = new Hono();
  app.post('/operator/login', (c) => (sessions.start(c), c.text('in')));
  app.get('/operator', sessions.require(), (c) => c.text('overview'));
  return { app, sessions, clock };
}

test('an operator session lasts 8 hours, is Secure on https and dies with a changed api key', async () => {
  const { app, clock } = createApp('key-one');
  const login = await app.request('/operator/login', { method: 'POST' });
  const setCookie = login.headers.get('set-cookie')!;
  assert.match(setCookie, /; Path=\/operator; HttpOnly; Secure; SameSite=Strict$/);
  const cookie = setCookie.split(';')[0]!;
  assert.equal((await app.request('/operator', { headers: { cookie } })).status, 200);
  clock.advance(8 * 60 * 60 * 1000 - 1);
  assert.equal((await app.request('/operator', { headers: { cookie } })).status, 200);
  clock.advance(1);
  assert.equal((await app.request('/operator', { headers: { cookie } })).status, 303);
  const rotated = createApp('key-two', createManualClock());
  assert.equal((await rotated.app.request('/operator', { headers: { cookie } })).status, 303);
});

test('without an api key nobody signs in; the key check is exact', () => {
  assert.equal(createApp(undefined).sessions.checkKey(''), false);
  assert.equal(createApp(undefined).sessions.checkKey('anything'), false);
  const { sessions } = createApp('secret-key');
  assert.equal(sessions.checkKey('secret-key'), true);
  assert.equal(sessions.checkKey('secret-key '), false);
  assert.equal(sessions.checkKey('x'.repeat(513)), false);
});

test('the request window limiter refuses past its cap and forgets at the next window', async () => {
  const clock = createManualClock();
  const app = new Hono();
  app.onError((error, c) => c.text(error.message, 429));
  app.use('*', limitRequestsPerWindow({ clock, max: 2, windowMs: 1000 }));
  app.get('/', (c) => c.text('ok'));
  const statuses = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await app.request('/')).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  assert.equal(await (await app.request('/')).text(), 'too many searches; wait a few seconds and try again');
  clock.advance(1000);
  assert.equal((await app.request('/')).status, 200);
});
