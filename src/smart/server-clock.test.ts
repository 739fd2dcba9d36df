import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { createServerClocks } from './server-clock.ts';

const at = (ms: number) => new Response(null, { headers: { date: new Date(ms).toUTCString() } });

test('an origin offset is learnt from Date headers; noise, nonsense and other origins are ignored', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
  const clocks = createServerClocks(clock);
  const token = 'https://ehr.example.org/oauth2/token';
  assert.equal(clocks.observe(token, at(clock.now() + 5_000)), false, 'a few seconds is noise');
  assert.equal(clocks.offsetFor(token), 0);
  assert.equal(clocks.observe(token, at(clock.now() + 10 * 60_000)), true);
  assert.equal(clocks.offsetFor(token), 10 * 60_000);
  assert.equal(
    clocks.clockFor('https://ehr.example.org/other').now(),
    clock.now() + 10 * 60_000,
    'per origin',
  );
  assert.equal(clocks.offsetFor('https://elsewhere.example.net/'), 0);
  assert.equal(clocks.observe(token, at(clock.now() + 10 * 60_000)), false, 'unchanged');
  assert.equal(
    clocks.observe(token, at(clock.now() + 3 * 24 * 60 * 60_000)),
    true,
    'absurd values reset to 0',
  );
  assert.equal(clocks.offsetFor(token), 0);
  assert.equal(clocks.observe(token, new Response(null, { headers: { date: 'yesterday' } })), false);
});
