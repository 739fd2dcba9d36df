import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSilentLogger } from '../log/logger.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { createSyncRunsRepository } from '../store/sync-runs-repository.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { runSync } from '../sync/run-sync.ts';
import { loadSandboxData } from '../sandbox/data/load-data.ts';
import { createJobQueue } from './create-job-queue.ts';
import type { JobQueue } from './job-queue.ts';
import { killAll, spawnWorker, type WorkerProcess } from '../testing/jobs/worker-processes.ts';

const fastRetry = { retryLimit: 3, retryDelayMs: 1000 };

async function withApp(
  dialect: 'sqlite' | 'postgres',
  sandboxOptions: NonNullable<Parameters<typeof startConnectedApp>[0]>['sandboxOptions'],
  run: (app: ConnectedApp, queue: JobQueue, spawn: () => WorkerProcess) => Promise<void>,
): Promise<void> {
  // These tests queue exactly the jobs they are about: connecting queues no first sync here.
  const app = await startConnectedApp({ dialect, sandboxOptions, jobs: noJobs });
  // Created first with short retry delays: on PostgreSQL the queue's creator fixes its policy.
  const queue = createJobQueue({
    store: app.services.store,
    databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
    clock: app.services.clock,
    log: createSilentLogger(),
    retry: { sync: fastRetry, refresh: fastRetry },
  });
  await queue.start();
  const workers: WorkerProcess[] = [];
  try {
    await run(app, queue, () => {
      const worker = spawnWorker(
        { ...app.cliEnv, CHARTBRIDGE_WORKER_LEASE_SECONDS: '3', CHARTBRIDGE_LOG_LEVEL: 'warn' },
        { real: true, args: ['--no-schedule', '--concurrency', '2'] },
      );
      workers.push(worker);
      return worker;
    });
    await app.assertNoSecretsLeaked();
  } catch (error) {
    // The workers' own words make a failure here diagnosable.
    for (const worker of workers) console.error(`worker stderr:\n${worker.stderr().slice(-3000)}`);
    throw error;
  } finally {
    await killAll(workers);
    await queue.stop();
    await app.close();
  }
}

/** Resources stored so far for a connection: pages are committed one by one, so this shows a sync's progress. */
async function storedCount(app: ConnectedApp, connectionId: string): Promise<number> {
  const counts = await createResourcesRepository(app.services.store.db).countByType(connectionId);
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/** (type, id, content hash) of everything stored for a connection, sorted: equal lists mean identical data. */
async function fingerprint(app: ConnectedApp, connectionId: string): Promise<string[]> {
  const rows = await createResourcesRepository(app.services.store.db).list(connectionId, {
    limit: 1_000_000,
  });
  return rows
    .map((r) => `${r.resource_type}/${r.resource_id}/${createHash('sha256').update(r.json).digest('hex')}`)
    .sort();
}

for (const dialect of testDialects) {
  test(`a real worker SIGKILLed mid-sync: another worker resumes and the data equals a clean sync (${dialect})`, async () => {
    // One synthetic patient with 2,000 resources in pages of 10: long enough to be killed half-way.
    const data = await loadSandboxData({
      organizations: 1,
      synthetic: { patients: 1, resourcesPerPatient: 2000, seed: 7 },
    });
    await withApp(dialect, { latencyMs: 40, pageSize: 10, data }, async (app, queue, spawn) => {
      const killed = await app.connectPatient('kill-mid-sync');
      const clean = await app.connectPatient('clean-sync');
      await queue.send('sync', { connectionId: killed });
      const first = spawn();
      await first.waitForLine(/ready/);
      const runs = createSyncRunsRepository(app.services.store.db);
      await waitFor(async () => (await storedCount(app, killed)) >= 200, {
        timeoutMs: 60_000,
        what: 'the sync to be a few pages in',
      });
      first.child.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      // Killed half-way: nothing finished, part of the record stored.
      assert.equal(await runs.findLatest(killed, ['succeeded', 'partial']), undefined);
      assert.ok((await storedCount(app, killed)) < 2000);
      const second = spawn();
      await second.waitForLine(/ready/);
      await waitFor(async () => (await runs.findLatest(killed, ['succeeded', 'partial'])) !== undefined, {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: 'the resumed sync to finish',
      });
      await runSync({ services: app.services, connectionId: clean });
      const [a, b] = [await fingerprint(app, killed), await fingerprint(app, clean)];
      assert.ok(a.length >= 2000, `synced ${a.length} resources`);
      assert.deepEqual(a, b);
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });
  });

  test(`SIGTERM mid-sync: the real worker checkpoints, hands the job back and exits 0; the next one finishes identically (${dialect})`, async () => {
    const data = await loadSandboxData({
      organizations: 1,
      synthetic: { patients: 1, resourcesPerPatient: 2000, seed: 8 },
    });
    await withApp(dialect, { latencyMs: 40, pageSize: 10, data }, async (app, queue, spawn) => {
      const stopped = await app.connectPatient('sigterm-mid-sync');
      const clean = await app.connectPatient('clean-sync-2');
      await queue.send('sync', { connectionId: stopped });
      const first = spawn();
      const runs = createSyncRunsRepository(app.services.store.db);
      await waitFor(async () => (await storedCount(app, stopped)) >= 200, {
        timeoutMs: 60_000,
        what: 'the sync to be a few pages in',
      });
      const signalledAt = Date.now();
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
      assert.ok(Date.now() - signalledAt < 25_000, 'exits within the grace period');
      assert.ok(
        first.lines.some((l) => l.startsWith('chartbridge worker stopped')),
        first.lines.join('\n'),
      );
      assert.equal(await runs.findLatest(stopped, ['succeeded', 'partial']), undefined);
      const second = spawn();
      await waitFor(async () => (await runs.findLatest(stopped, ['succeeded', 'partial'])) !== undefined, {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: 'the handed-back sync to finish',
      });
      await runSync({ services: app.services, connectionId: clean });
      assert.deepEqual(await fingerprint(app, stopped), await fingerprint(app, clean));
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });
  });

  test(`a real worker SIGKILLed mid-refresh after the EHR rotated the token: needs_reauth with a reason, no retry loop (${dialect})`, async () => {
    // The token endpoint answers 3 s after a request arrives and handles it even if the caller died meanwhile:
    // the worker is killed inside that window, so the EHR rotates the refresh token and we never store it.
    // Access tokens last 10 minutes, so the scheduled refresh is due (inside the refresh-ahead window).
    await withApp(
      dialect,
      {
        accessTokenTtlSeconds: 600,
        faults: [{ kind: 'latency', route: 'oauth2/token', ms: 3000, afterRequests: 1 }],
      },
      async (app, queue, spawn) => {
        const id = await app.connectPatient('kill-mid-refresh');
        app.sandbox.tokens.resetCounters();
        await queue.send('refresh', { connectionId: id });
        const first = spawn();
        await waitFor(async () => (await app.services.repos.connections.findById(id))?.refresh_lease_owner, {
          timeoutMs: 30_000,
          what: 'the vault to start the refresh',
        });
        // Freeze the worker with its request in flight; the EHR answers (rotating the refresh token) into a
        // socket nobody reads; then kill it: the rotated token was never stored.
        // Deliberate pause inside the EHR's 3 s hold: the request needs a moment to leave (assertion, connect).
        await new Promise((resolve) => setTimeout(resolve, 1500));
        first.child.kill('SIGSTOP');
        await waitFor(() => app.sandbox.tokens.tokenEndpointCalls().refresh_token === 1, {
          timeoutMs: 10_000,
          what: 'the EHR to rotate the refresh token',
        });
        first.child.kill('SIGKILL');
        await first.exited;
        // A fresh refresh request from the new worker reuses the rotated-away token: Epic-strict, the grant dies.
        await queue.send('refresh', { connectionId: id });
        spawn();
        const row = await waitFor(
          async () => {
            const r = await app.services.repos.connections.findById(id);
            return r?.status === 'needs_reauth' ? r : undefined;
          },
          { timeoutMs: 150_000, intervalMs: 250, what: 'needs_reauth' },
        );
        assert.ok(row.status_reason && row.status_reason.length > 0);
        // No retry loop: the refresh job ended (as skipped, not dead-lettered) after one more token request.
        await waitFor(async () => (await queue.stats()).every((q) => q.queued === 0 && q.active === 0), {
          timeoutMs: 30_000,
          what: 'the queue to drain',
        });
        assert.equal(app.sandbox.tokens.tokenEndpointCalls().refresh_token, 2);
        assert.deepEqual(
          await createDeadLetterRepository(app.services.store.db).list({ includeRedriven: true, limit: 10 }),
          [],
        );
        // No live token is handed out for the connection any more.
        await assert.rejects(app.services.vault.getAccessToken(id), { code: 'ERR_CONNECTION_INACTIVE' });
      },
    );
  });
}

for (const dialect of testDialects) {
  test(`two worker processes and simultaneous refresh requests: the EHR sees exactly one refresh per connection, repeatedly (${dialect})`, async () => {
    await withApp(dialect, { accessTokenTtlSeconds: 600 }, async (app, queue, spawn) => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) ids.push(await app.connectPatient(`case42-${i}`));
      const workers = [spawn(), spawn()];
      await Promise.all(workers.map((w) => w.waitForLine(/ready/)));
      // A second requester with its own database connections and queue client, like another process.
      const other = createJobQueue({
        store: app.services.store,
        databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
        clock: app.services.clock,
        log: createSilentLogger(),
        retry: { sync: fastRetry, refresh: fastRetry },
      });
      await other.start();
      try {
        for (let round = 1; round <= 3; round += 1) {
          app.sandbox.tokens.resetCounters();
          const versions = await Promise.all(
            ids.map(async (id) => (await app.services.repos.connections.findById(id))!.token_version),
          );
          await Promise.all(
            ids.flatMap((connectionId, i) => [
              queue.send('refresh', { connectionId, tokenVersion: versions[i] }),
              new Promise((resolve) => setTimeout(resolve, Math.random() * 40)).then(() =>
                other.send('refresh', { connectionId, tokenVersion: versions[i] }),
              ),
            ]),
          );
          await waitFor(
            async () => {
              const rows = await Promise.all(ids.map((id) => app.services.repos.connections.findById(id)));
              const drained = (await queue.stats()).every((q) => q.queued === 0 && q.active === 0);
              return drained && rows.every((r, i) => r!.token_version > versions[i]!);
            },
            { timeoutMs: 60_000, intervalMs: 100, what: `round ${round} refreshed` },
          );
          assert.equal(app.sandbox.tokens.tokenEndpointCalls().refresh_token, ids.length, `round ${round}`);
          for (const id of ids) {
            const token = await app.services.vault.getAccessToken(id);
            assert.ok(
              app.sandbox.tokens.lookupAccessToken(token),
              'the stored access token is live at the EHR',
            );
          }
        }
      } finally {
        await other.stop();
      }
    });
  });

  test(`a refresh racing a disconnect: no live token is left for the disconnected connection (${dialect})`, async () => {
    await withApp(
      dialect,
      {
        accessTokenTtlSeconds: 600,
        faults: [{ kind: 'latency', route: 'oauth2/token', ms: 1500, afterRequests: 1 }],
      },
      async (app, queue, spawn) => {
        const id = await app.connectPatient('case44');
        const before = await app.services.repos.connections.findById(id);
        spawn();
        await queue.send('refresh', { connectionId: id, tokenVersion: before!.token_version });
        await waitFor(async () => (await app.services.repos.connections.findById(id))?.refresh_lease_owner, {
          timeoutMs: 30_000,
          what: 'the refresh to start',
        });
        const response = await app.api(`/api/connections/${id}`, { method: 'DELETE' });
        assert.ok(response.status < 300, `disconnect answered ${response.status}`);
        await waitFor(async () => (await queue.stats()).every((q) => q.queued === 0 && q.active === 0), {
          timeoutMs: 30_000,
          what: 'the refresh job to end',
        });
        const row = await app.services.repos.connections.findById(id);
        assert.equal(row?.status, 'revoked');
        assert.equal(row?.access_token_sealed, null);
        assert.equal(row?.refresh_token_sealed, null);
        await assert.rejects(app.services.vault.getAccessToken(id), { code: 'ERR_CONNECTION_INACTIVE' });
      },
    );
  });
}
