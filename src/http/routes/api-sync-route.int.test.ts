import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessWorker } from '../../jobs/start-worker.ts';
import { createSyncRunsRepository, type SyncRunRow } from '../../store/sync-runs-repository.ts';
import { runSync } from '../../sync/run-sync.ts';
import { storedRecord } from '../../testing/sync/compare-with-sandbox.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import { waitFor } from '../../testing/wait-for.ts';

/** `POST /api/connections/:id/sync`: it queues a job, and a worker runs it (never the web process). */
describe('starting a sync over the management api', () => {
  let app: ConnectedApp;
  let connectionId: string;

  before(async () => {
    app = await startConnectedApp();
    connectionId = await app.connectPatient('api-sync-user', { orgId: 'org-b' });
    await runSync({ services: app.services, connectionId });
  });
  after(() => app?.close());

  const post = (query = '') => app.api(`/api/connections/${connectionId}/sync${query}`, { method: 'POST' });
  const runs = () => createSyncRunsRepository(app.services.store.db).listRuns(connectionId, 50);
  /** Runs a worker until the connection has `count` runs, the newest finished; returns that run. */
  async function workUntilRuns(count: number): Promise<SyncRunRow> {
    const worker = await startInProcessWorker(app.services, { schedule: false });
    try {
      return await waitFor(
        async () => {
          const list = await runs();
          return list.length === count && list[0]!.finished_at !== null ? list[0] : undefined;
        },
        { timeoutMs: 30_000, what: `run ${count}` },
      );
    } finally {
      await worker.stop();
    }
  }

  it('queues an incremental sync that asks only for changes, then a full one that removes vanished resources', async () => {
    await app.services.store.db
      .insertInto('resources')
      .values({
        connection_id: connectionId,
        resource_type: 'Observation',
        resource_id: 'vanished',
        version_id: '1',
        last_updated: null,
        json: '{"resourceType":"Observation","id":"vanished"}',
        hash: 'x',
        fetched_at: 1,
        sync_run_id: 'old-run',
      })
      .execute();
    const requestsBefore = app.sandbox.requestLog.entries().length;
    const started = await post();
    assert.equal(started.status, 202);
    // The first sync queued when the patient connected is still waiting (no worker yet): it absorbs this one.
    assert.deepEqual(await started.json(), {
      connectionId,
      status: 'already_queued',
      full: false,
      jobId: null,
    });
    const incremental = await workUntilRuns(2);
    assert.deepEqual([incremental.status, incremental.full], ['succeeded', 0]);
    const searches = app.sandbox.requestLog
      .entries()
      .slice(requestsBefore)
      .filter((e) => e.url.includes('?patient='));
    assert.ok(searches.length > 0 && searches.every((e) => e.url.includes('_lastUpdated=gt')));
    assert.equal((await storedRecord(app.services.store, connectionId)).has('Observation/vanished'), true);

    const fullRequest = await post('?full=true');
    assert.equal(fullRequest.status, 202);
    const body = (await fullRequest.json()) as { status: string; full: boolean; jobId: string | null };
    assert.deepEqual([body.status, body.full, typeof body.jobId], ['queued', true, 'string']);
    const full = await workUntilRuns(3);
    assert.deepEqual([full.status, full.full], ['succeeded', 1]);
    assert.equal((await storedRecord(app.services.store, connectionId)).has('Observation/vanished'), false);
  });

  it('refuses a connection that is not active (409) and an unknown one (404)', async () => {
    const { connections } = app.services.repos;
    await connections.setStatus(connectionId, 'needs_reauth', 'test', 0);
    try {
      assert.equal((await post()).status, 409);
    } finally {
      await connections.setStatus(connectionId, 'active', null, 0);
    }
    assert.equal((await app.api('/api/connections/nope/sync', { method: 'POST' })).status, 404);
  });
});
