import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { createBinariesRepository, type MissedBinary } from './binaries-repository.ts';

const HOUR = 3_600_000;

for (const dialect of testDialects) {
  describe(`binaries repository: attachments not fetched (${dialect})`, () => {
    it('counts attempts, is due on its backoff but never twice in one run, and summarises by reason', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createBinariesRepository(store.db);
        const missed = (over: Partial<MissedBinary>): MissedBinary => ({
          connectionId: 'c1',
          binaryId: 'b1',
          source: 'Binary/b1',
          status: 'failed',
          reason: 'the server kept answering http 500 after retries',
          now: 1000,
          runId: 'r1',
          nextAttemptAt: (attempts) => 1000 + (attempts - 1) * HOUR,
          ...over,
        });
        await repo.recordMissed(missed({}));
        await repo.recordMissed(
          missed({ binaryId: 'ext-1', source: null, status: 'outside', reason: 'outside' }),
        );
        assert.deepEqual(await repo.listDue('c1', { now: 1000, runId: 'r1' }, 10), []);
        assert.deepEqual(await repo.listDue('c1', { now: 1000, runId: 'r2' }, 10), [
          { binaryId: 'b1', source: 'Binary/b1' },
        ]);
        const known = await repo.findKnown('c1', ['b1', 'ext-1', 'nope'], { now: 1000, runId: 'r2' });
        assert.deepEqual(Object.fromEntries(known), {
          b1: { status: 'failed', reason: 'the server kept answering http 500 after retries', due: true },
          'ext-1': { status: 'outside', reason: 'outside', due: false },
        });

        await repo.recordMissed(missed({ runId: 'r2', now: 2000 }));
        const row = await store.db
          .selectFrom('binaries')
          .select(['attempts', 'next_attempt_at', 'attempt_run_id'])
          .where('binary_id', '=', 'b1')
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          [Number(row.attempts), Number(row.next_attempt_at), row.attempt_run_id],
          [2, 1000 + HOUR, 'r2'],
        );
        assert.deepEqual(await repo.listDue('c1', { now: 1000 + HOUR - 1, runId: 'r3' }, 10), []);
        assert.equal((await repo.listDue('c1', { now: 1000 + HOUR, runId: 'r3' }, 10)).length, 1);

        await repo.save({
          connection_id: 'c1',
          binary_id: 'b1',
          source: 'Binary/b1',
          content_type: 'application/pdf',
          size: 3,
          hash: 'h',
          data: Buffer.from('pdf'),
          status: 'ok',
          reason: null,
          fetched_at: 3000,
        });
        assert.deepEqual(await repo.listDue('c1', { now: 10 * HOUR, runId: 'r4' }, 10), []);
        assert.deepEqual(await repo.summarize('c1'), {
          fetched: 1,
          missing: [{ status: 'outside', reason: 'outside', count: 1 }],
        });
        assert.deepEqual(await repo.listStored('c1', undefined, 10), [
          { binaryId: 'b1', source: 'Binary/b1', contentType: 'application/pdf' },
        ]);
        assert.deepEqual(await repo.listStored('c1', 'b1', 10), []);
      } finally {
        await cleanup();
      }
    });
  });
}
