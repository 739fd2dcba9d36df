import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostLimiter } from './host-limiter.ts';
import { createPriorityLimiter } from './priority-limiter.ts';

describe('priority limiter (a run’s own queue)', () => {
  it('keeps at most `capacity` of its requests past the gate and lets the highest priority go next', async () => {
    const limiter = createPriorityLimiter(createHostLimiter({ maxPerHost: 5 }), 2);
    const started: string[] = [];
    const take = (name: string, priority: number) =>
      limiter.acquire('ehr.example', priority).then((release) => {
        started.push(name);
        return release;
      });
    const first = await take('a', 0);
    const second = await take('b', 0);
    const low = take('low', 1);
    const high = take('high', 9);
    const low2 = take('low-2', 1);
    const mid = take('mid', 5);
    await Promise.resolve();
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(limiter.active('ehr.example'), 2);
    first();
    second();
    (await high)();
    (await mid)();
    (await low)();
    await low2;
    assert.deepEqual(started, ['a', 'b', 'high', 'mid', 'low', 'low-2']);
  });

  it('still waits for the shared limiter, which other runs use too', async () => {
    const shared = createHostLimiter({ maxPerHost: 1 });
    const otherRun = await shared.acquire('ehr.example');
    const limiter = createPriorityLimiter(shared, 5);
    let passed = false;
    const mine = limiter.acquire('ehr.example', 100).then((release) => {
      passed = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(passed, false);
    otherRun();
    (await mine)();
    assert.equal(passed, true);
    assert.equal(shared.active('ehr.example'), 0);
  });
});
