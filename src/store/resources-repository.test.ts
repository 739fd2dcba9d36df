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
        const repo = createResourcesRepository(store.db, store.sqlite, store.dialect);
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
        // Text that array literals and JSON must carry unchanged (PostgreSQL sends a page as one array per column).
        const awkward = 'quote " backslash \\ braces {a,b} comma, NULL, ünïcødé \u2028';
        await repo.ingestPage({
          ...base,
          runId: 'r3',
          resources: [record('q', '1', '2024-01-01T00:00:00Z', awkward)],
        });
        const [stored] = await repo.list('c1', { limit: 1, type: 'Observation', runId: 'r3' });
        assert.equal(JSON.parse(stored!.json).note, awkward);
        const hostile = "x' or 1=1 --";
        assert.deepEqual(await repo.list(hostile, { type: hostile, limit: 5 }), []);
      } finally {
        await cleanup();
      }
    });

    it('writes a fenced page only while the lease is held; a stale holder writes nothing', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createResourcesRepository(store.db, store.sqlite, store.dialect);
        const leases = createJobLeaseRepository(store.db, dialect);
        const key = 'sync:c1';
        const zombie = await leases.acquire({ key, owner: 'w1', ttlMs: 1000, now: 0 });
        assert.ok(zombie);
        const page = { connectionId: 'c1', runId: 'r1', now: 1000 };
        const state = (status: 'running' | 'done', pages: number) => ({
          run_id: 'r1',
          query_key: 'Observation',
          resource_type: 'Observation',
          category: null,
          status,
          next_url: status === 'done' ? null : 'https://ehr.example/fhir?page=2',
          resources: pages,
          pages,
          bytes: 10 * pages,
          http_status: 200,
          reason: null,
          warnings: '[]',
          updated_at: 1000 + pages,
          dropped: 0,
          drop_reasons: '{}',
          unavailable: 0,
        });
        const storedState = () =>
          store.db.selectFrom('sync_query_states').select(['status', 'pages', 'bytes', 'next_url']).execute();
        await repo.ingestPage({
          ...page,
          resources: [record('a', '1', '2024-01-01T00:00:00Z', 'a')],
          state: state('running', 1),
          fence: zombie,
        });
        const holder = await leases.acquire({ key, owner: 'w2', ttlMs: 1000, now: 5000 });
        assert.ok(holder);
        await assert.rejects(
          repo.ingestPage({
            ...page,
            resources: [record('b', '1', '2024-01-01T00:00:00Z', 'b')],
            state: state('done', 7),
            fence: zombie,
          }),
          {
            code: 'ERR_LEASE_LOST',
            message: "lease 'sync:c1' was taken over by another worker; this worker stops writing",
          },
        );
        assert.deepEqual([...(await repo.countByType('c1'))], [['Observation', 1]]);
        assert.deepEqual(
          (await storedState()).map((r) => [r.status, Number(r.pages), Number(r.bytes)]),
          [['running', 1, 10]],
        );
        await repo.ingestPage({
          ...page,
          resources: [record('c', '1', '2024-01-01T00:00:00Z', 'c')],
          state: state('done', 2),
          fence: holder,
        });
        assert.deepEqual(
          (await storedState()).map((r) => [r.status, Number(r.pages), Number(r.bytes), r.next_url]),
          [['done', 2, 20, null]],
        );
        assert.deepEqual(
          (await repo.list('c1', { limit: 10 })).map((r) => r.resource_id),
          ['a', 'c'],
        );
      } finally {
        await cleanup();
      }
    });

    it('pages committed at once (parallel queries) all land, the newest copy of a shared resource wins', async () => {
      const { store, cleanup } = await createTestStore(dialect);
      try {
        const repo = createResourcesRepository(store.db, store.sqlite, store.dialect);
        const leases = createJobLeaseRepository(store.db, dialect);
        const fence = await leases.acquire({ key: 'sync:c1', owner: 'w1', ttlMs: 60_000, now: 0 });
        assert.ok(fence);
        const stateOf = (query: string, pages: number) => ({
          run_id: 'r1',
          query_key: query,
          resource_type: 'Observation',
          category: query,
          status: 'running' as const,
          next_url: null,
          resources: pages,
          pages,
          bytes: pages,
          http_status: 200,
          reason: null,
          warnings: '[]',
          updated_at: pages,
          dropped: 0,
          drop_reasons: '{}',
          unavailable: 0,
        });
        // On PostgreSQL the second and third page wait for the first statement and go out together.
        await Promise.all([
          repo.ingestPage({
            connectionId: 'c1',
            runId: 'r1',
            now: 1,
            fence,
            state: stateOf('vitals', 1),
            resources: [record('a', '1', '2024-01-01T00:00:00Z', 'a1')],
          }),
          repo.ingestPage({
            connectionId: 'c1',
            runId: 'r1',
            now: 2,
            fence,
            state: stateOf('labs', 1),
            resources: [
              record('a', '3', '2024-03-01T00:00:00Z', 'a3'),
              record('b', '1', '2024-01-01T00:00:00Z', 'b'),
            ],
          }),
          repo.ingestPage({
            connectionId: 'c1',
            runId: 'r1',
            now: 3,
            fence,
            state: stateOf('labs', 2),
            resources: [
              record('a', '2', '2024-02-01T00:00:00Z', 'a2'),
              record('c', '1', '2024-01-01T00:00:00Z', 'c'),
            ],
          }),
        ]);
        const rows = await repo.list('c1', { limit: 10 });
        assert.deepEqual(
          rows.map((r) => [r.resource_id, JSON.parse(r.json).note]),
          [
            ['a', 'a3'],
            ['b', 'b'],
            ['c', 'c'],
          ],
        );
        const states = await store.db
          .selectFrom('sync_query_states')
          .select(['query_key', 'pages'])
          .orderBy('query_key')
          .execute();
        assert.deepEqual(
          states.map((r) => [r.query_key, Number(r.pages)]),
          [
            ['labs', 2],
            ['vitals', 1],
          ],
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
