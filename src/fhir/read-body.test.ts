import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBodyCapped } from './read-body.ts';

/** A body that sends one byte per tick, the way a hostile server trickles. */
function trickle(bytes: number, everyMs: number): Response {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === bytes) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      sent += 1;
      controller.enqueue(new Uint8Array([0x20]));
    },
  });
  return new Response(stream);
}

describe('readBodyCapped: slow bodies (issue 14)', () => {
  it('cuts a body that trickles slower than the floor once the grace period is over', async () => {
    const limits = { maxBytes: 1 << 20, idleMs: 5_000, minBytesPerSecond: 1_000, slowAfterMs: 150 };
    await assert.rejects(readBodyCapped(trickle(1_000, 20), limits, 'the Observation search'), {
      code: 'ERR_TOO_SLOW',
      message: 'the Observation search arrived slower than 1000 bytes a second; it was cut off and skipped',
    });
  });

  it('lets a slow body finish when it ends within the grace period, and without a floor', async () => {
    const withFloor = { maxBytes: 1 << 20, idleMs: 5_000, minBytesPerSecond: 1_000, slowAfterMs: 5_000 };
    assert.equal((await readBodyCapped(trickle(5, 10), withFloor, 'p')).length, 5);
    const noFloor = { maxBytes: 1 << 20, idleMs: 5_000 };
    assert.equal((await readBodyCapped(trickle(5, 10), noFloor, 'p')).length, 5);
  });
});
