import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { prepareResource } from '../sync/prepare-resource.ts';
import { createResourcesRepository, type ResourceRecord } from './resources-repository.ts';
import { createBinariesRepository } from './binaries-repository.ts';
import { createJobLeaseRepository } from './jobs-leases.ts';

function record(id: string, versionId: string, lastUpdated: string, note: string): ResourceRecord {
  const prepared = prepareResource({
    resourceType: 'Observation',
    id,
    meta: { versionId, lastUpdated },
    note,
  });
  assert.ok(prepared.ok);
  return prepared.record;
}

for (const dialect of testDialects) {
  describe(`resources repository on ${dialect} (cases 8, 36)`, () => {
    it('keeps the newest version whatever order pages arrive in, and marks rows seen by the run', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createResourcesRepository(store.db, store.sqlite);
        const base = { connectionId: 'c1', now: 1000 };
        await repo.ingestPage({
          ...base,
          runId: 'r1',
          resources: [
            record('a', '2', '2024-02-01T00:00:00Z', 'new'),
            record('b', '1', '2024-01-01T00:00:00Z', 'b'),
          ],
        });
        await repo.ingestPage({
          ...base,
          runId: 'r1',
          now: 2000,
          resources: [record('a', '1', '2024-01-01T00:00:00Z', 'old')],
        });
        let rows = await repo.list('c1', { limit: 10 });
        assert.deepEqual(
          rows.map((r) => [r.resource_id, JSON.parse(r.json).note, r.fetched_at]),
          [
            ['a', 'new', 1000],
            ['b', 'b', 1000],
          ],
        );
        await repo.ingestPage({
          ...base,
          runId: 'r2',
          now: 3000,
          resources: [record('a', '3', '2024-03-01T00:00:00Z', 'newest')],
        });
        rows = await repo.list('c1', { limit: 10, since: 2500 });
        assert.deepEqual(
          rows.map((r) => JSON.parse(r.json).note),
          ['newest'],
        );
        assert.equal(await repo.deleteVanished('c1', 'r2', ['Observation']), 1);
        assert.deepEqual([...(await repo.countByType('c1'))], [['Observation', 1]]);
        const hostile = "x' or 1=1 --";
        assert.deepEqual(await repo.list(hostile, { type: hostile, limit: 5 }), []);
      } finally {
        await cleanup();
      }
    });

    it('writes a fenced page only while the lease is held; a stale holder writes nothing', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createResourcesRepository(store.db, store.sqlite);
        const leases = createJobLeaseRepository(store.db, dialect);
        const key = 'sync:c1';
        const zombie = await leases.acquire({ key, owner: 'w1', ttlMs: 1000, now: 0 });
        assert.ok(zombie);
        const page = { connectionId: 'c1', runId: 'r1', now: 1000 };
        await repo.ingestPage({
          ...page,
          resources: [record('a', '1', '2024-01-01T00:00:00Z', 'a')],
          fence: zombie,
        });
        const holder = await leases.acquire({ key, owner: 'w2', ttlMs: 1000, now: 5000 });
        assert.ok(holder);
        await assert.rejects(
          repo.ingestPage({
            ...page,
            resources: [record('b', '1', '2024-01-01T00:00:00Z', 'b')],
            fence: zombie,
          }),
          {
            code: 'ERR_LEASE_LOST',
            message: "lease 'sync:c1' was taken over by another worker; this worker stops writing",
          },
        );
        assert.deepEqual([...(await repo.countByType('c1'))], [['Observation', 1]]);
        await repo.ingestPage({
          ...page,
          resources: [record('c', '1', '2024-01-01T00:00:00Z', 'c')],
          fence: holder,
        });
        assert.deepEqual(
          (await repo.list('c1', { limit: 10 })).map((r) => r.resource_id),
          ['a', 'c'],
        );
      } finally {
        await cleanup();
      }
    });

    it('stores identical attachment bytes once and serves both ids', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createBinariesRepository(store.db);
        const row = {
          connection_id: 'c1',
          content_type: 'text/html',
          size: 3,
          hash: 'h1',
          data: Buffer.from('abc'),
          status: 'ok' as const,
          fetched_at: 1,
          source: null,
          reason: null,
        };
        await repo.save({ ...row, binary_id: 'b1' });
        await repo.save({ ...row, binary_id: 'b2' });
        const stored = await store.db
          .selectFrom('binaries')
          .select(['binary_id', 'data'])
          .orderBy('binary_id')
          .execute();
        assert.deepEqual(
          stored.map((r) => [r.binary_id, r.data === null]),
          [
            ['b1', false],
            ['b2', true],
          ],
        );
        assert.deepEqual((await repo.findForDownload('c1', 'b2'))?.data, Buffer.from('abc'));
        const known = await repo.findKnown('c1', ['b1', 'b3'], { now: 2, runId: 'r1' });
        assert.deepEqual([...known.keys()], ['b1']);
      } finally {
        await cleanup();
      }
    });
  });
}
