import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import assert from 'node:assert/strict';
import { createAuditRepository } from '../store/audit-repository.ts';
import { createJobLeaseRepository } from '../store/jobs-leases.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';
import { systemClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { createJobQueue } from './create-job-queue.ts';
import { startStepTarget, type StepTarget } from '../testing/jobs/step-target.ts';
import { killAll, spawnWorker, type WorkerProcess } from '../testing/jobs/worker-processes.ts';
import type { Store } from '../store/database.ts';

/** Steps written per connection, in order, with the fence of the writer — every step must appear exactly once. */
async function writtenSteps(store: Store, connectionId: string) {
  const rows = await createAuditRepository(store.db).listForConnection(connectionId);
  return rows
    .filter((r) => r.action === 'test.step')
    .map((r) => ({ actor: r.actor, ...(JSON.parse(r.detail) as { step: number; fence: number }) }));
}

async function withSetup(
  dialect: 'sqlite' | 'postgres',
  delayMs: number,
  hosts: number,
  run: (ctx: {
    store: Store;
    url: string;
    targets: StepTarget[];
    spawn(env?: Record<string, string>): WorkerProcess;
    enqueue(connectionIds: string[]): Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  const { store, url, cleanup } = await createTestStore(dialect);
  const targets = await Promise.all(Array.from({ length: hosts }, () => startStepTarget(delayMs)));
  const workers: WorkerProcess[] = [];
  // The same retry policy as the test workers: on PostgreSQL the queue's creator fixes it for everyone.
  const policy = { retryLimit: 2, retryDelayMs: 1000 };
  const queue = createJobQueue({
    store,
    databaseUrl: url,
    clock: systemClock,
    log: createSilentLogger(),
    retry: { sync: policy, refresh: policy },
  });
  await queue.start();
  try {
    await run({
      store,
      url,
      targets,
      spawn: (env = {}) => {
        const worker = spawnWorker({
          CHARTBRIDGE_DATABASE_URL: url,
          TEST_TARGETS: targets.map((t) => t.url).join(','),
          ...env,
        });
        workers.push(worker);
        return worker;
      },
      enqueue: async (ids) => {
        for (const connectionId of ids) await queue.send('sync', { connectionId });
      },
    });
  } finally {
    await killAll(workers);
    await queue.stop();
    await Promise.all(targets.map((t) => t.close()));
    await cleanup();
  }
}

for (const dialect of testDialects) {
  test(`a worker SIGKILLed mid-job is taken over after its lease expires; every step is written once (${dialect})`, async () => {
    await withSetup(dialect, 150, 1, async ({ store, spawn, enqueue }) => {
      await enqueue(['c-0']);
      const first = spawn({ TEST_STEPS: '8' });
      await first.waitForLine(/^step c-0 3$/);
      first.child.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      const second = spawn({ TEST_STEPS: '8' });
      await second.waitForLine(/^outcome sync c-0 completed$/, 30_000);
      const steps = await writtenSteps(store, 'c-0');
      assert.deepEqual(
        steps.map((s) => s.step),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      // The takeover holds a newer fence than the killed worker.
      assert.ok(steps[7]!.fence > steps[0]!.fence);
    });
  });

  test(`a zombie worker paused past its lease cannot write after another worker took over (${dialect})`, async () => {
    await withSetup(dialect, 200, 1, async ({ store, spawn, enqueue }) => {
      await enqueue(['c-0']);
      const zombie = spawn({ TEST_STEPS: '10' });
      const zombieOwner = (await zombie.waitForLine(/^ready /)).slice('ready '.length);
      await zombie.waitForLine(/^step c-0 2$/);
      zombie.child.kill('SIGSTOP');
      const rescuer = spawn({ TEST_STEPS: '10' });
      await rescuer.waitForLine(/^step c-0 \d+$/, 30_000);
      zombie.child.kill('SIGCONT');
      await zombie.waitForLine(/^outcome sync c-0 lease_lost$/, 30_000);
      await rescuer.waitForLine(/^outcome sync c-0 completed$/, 30_000);
      const steps = await writtenSteps(store, 'c-0');
      assert.deepEqual(
        steps.map((s) => s.step),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      const zombieSteps = steps.filter((s) => s.actor === zombieOwner).map((s) => s.step);
      // The zombie wrote only before it was paused (steps 1–2, maybe the step in flight), never after the takeover.
      assert.ok(zombieSteps.length <= 3, `zombie wrote ${zombieSteps.join(',')}`);
      assert.deepEqual(
        zombieSteps,
        steps.slice(0, zombieSteps.length).map((s) => s.step),
      );
    });
  });

  test(`SIGTERM stops taking jobs, hands the running job back, frees its lease and exits 0 (${dialect})`, async () => {
    await withSetup(dialect, 200, 1, async ({ store, spawn, enqueue }) => {
      await enqueue(['c-0']);
      const worker = spawn({ TEST_STEPS: '20', TEST_GRACE_MS: '3000' });
      await worker.waitForLine(/^step c-0 2$/);
      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0);
      assert.ok(Date.now() - signalledAt < 5000, 'exit within the grace period');
      assert.ok(worker.lines.includes('outcome sync c-0 handed_back'), worker.lines.join('\n'));
      assert.ok(worker.lines.includes('exited cleanly'));
      const leases = createJobLeaseRepository(store.db, store.dialect);
      // The lease is free at once: a new holder gets it without waiting for expiry.
      const grant = await leases.acquire({ key: 'sync:c-0', owner: 'probe', ttlMs: 1000, now: Date.now() });
      assert.ok(grant);
      await leases.release(grant);
      const done = (await writtenSteps(store, 'c-0')).length;
      const next = spawn({ TEST_STEPS: '20' });
      await next.waitForLine(/^outcome sync c-0 completed$/, 30_000);
      const steps = (await writtenSteps(store, 'c-0')).map((s) => s.step);
      assert.deepEqual(
        steps,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.ok(done >= 2 && done < 20);
    });
  });
}

for (const dialect of testDialects) {
  test(`a poison connection is dead-lettered with its reason after its retries; others finish; redrive re-queues it (${dialect})`, async () => {
    await withSetup(dialect, 20, 1, async ({ store, url, spawn, enqueue }) => {
      await enqueue(['poison-1', 'c-1', 'c-2']);
      const worker = spawn({ TEST_STEPS: '2', TEST_RETRY_LIMIT: '2' });
      await worker.waitForLine(/^outcome sync poison-1 dead$/, 30_000);
      await worker.waitForLine(/^outcome sync c-2 completed$/, 30_000);
      assert.deepEqual(
        worker.lines.filter((l) => l.startsWith('outcome sync poison-1')),
        ['outcome sync poison-1 retrying', 'outcome sync poison-1 retrying', 'outcome sync poison-1 dead'],
      );
      for (const id of ['c-1', 'c-2']) {
        assert.deepEqual(
          (await writtenSteps(store, id)).map((s) => s.step),
          [1, 2],
        );
      }
      const env = { CHARTBRIDGE_DATABASE_URL: url };
      const failed = await runCli(['jobs', 'failed', '--json'], { env });
      assert.equal(failed.code, 0, failed.stderr);
      const list = JSON.parse(failed.stdout) as Array<Record<string, unknown>>;
      assert.equal(list.length, 1);
      assert.deepEqual(
        { ...list[0], id: undefined, failedAt: undefined },
        {
          id: undefined,
          name: 'sync',
          connectionId: 'poison-1',
          attempts: 3,
          reason: "ERR_FHIR_RESPONSE_INVALID: page 1 of 'Observation' is not a FHIR Bundle",
          failedAt: undefined,
          redrivenAt: null,
          redriveJobId: null,
        },
      );
      const redrive = await runCli(['jobs', 'redrive', String(list[0]!.id)], { env });
      assert.equal(redrive.code, 0, redrive.stderr);
      assert.match(redrive.stdout, new RegExp(`^redriven ${list[0]!.id} as [\\w-]+\\n$`));
      await worker.waitForLine(/^outcome sync poison-1 retrying$/, 30_000);
      const again = await runCli(['jobs', 'redrive', String(list[0]!.id)], { env });
      assert.deepEqual(
        [again.code, again.stderr],
        [
          1,
          `chartbridge: no failed job '${list[0]!.id}' to redrive; list them with 'chartbridge jobs failed'\n`,
        ],
      );
      const bad = await runCli(['jobs', 'redrive', 'x/../y'], { env });
      assert.deepEqual([bad.code, bad.stderr], [2, "chartbridge: invalid job id 'x/../y'\n"]);
    });
  });

  test(`three worker processes on many connections due at once keep every host under its limit and never run one connection twice (${dialect})`, async () => {
    await withSetup(dialect, 60, 3, async ({ store, targets, spawn, enqueue }) => {
      const ids = Array.from({ length: 30 }, (_, i) => `c-${i}`);
      const env = { TEST_STEPS: '3', TEST_CONCURRENCY: '4', TEST_HOST_LIMIT: '2', TEST_LEASE_MS: '5000' };
      const workers = [spawn(env), spawn(env), spawn(env)];
      // All due at once, once every worker is ready to take them.
      await Promise.all(workers.map((w) => w.waitForLine(/^ready /)));
      await enqueue(ids);
      await waitFor(
        async () => {
          for (const id of ids) if ((await writtenSteps(store, id)).length < 3) return false;
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'every connection synced' },
      );
      for (const id of ids) {
        const steps = await writtenSteps(store, id);
        assert.deepEqual(
          steps.map((s) => s.step),
          [1, 2, 3],
        );
        // One holder ran each connection: one writer and one fence.
        assert.equal(new Set(steps.map((s) => `${s.actor}/${s.fence}`)).size, 1);
      }
      assert.deepEqual(
        targets.map((t) => t.peak() <= 2),
        [true, true, true],
      );
      assert.ok(
        targets.every((t) => t.peak() === 2),
        `peaks ${targets.map((t) => t.peak())}`,
      );
      // The work really was shared by the three processes.
      const actors = new Set<string>();
      for (const id of ids) for (const s of await writtenSteps(store, id)) actors.add(s.actor);
      assert.equal(actors.size, 3);
      for (const worker of workers) worker.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0]);
    });
  });
}

test(
  'a database that drops every connection mid-job: the worker survives, retries, and writes every step once (postgres)',
  {
    skip: !testDialects.includes('postgres'),
  },
  async () => {
    await withSetup('postgres', 150, 1, async ({ store, spawn, enqueue }) => {
      await enqueue(['c-0']);
      const worker = spawn({ TEST_STEPS: '8' });
      await worker.waitForLine(/^step c-0 3$/);
      // Every session of the test database but this one: the worker's pools and pg-boss's.
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()`.execute(store.db);
      await worker.waitForLine(/^outcome sync c-0 completed$/, 60_000);
      assert.equal(worker.child.exitCode, null, 'the worker is still running');
      assert.deepEqual(
        (await writtenSteps(store, 'c-0')).map((s) => s.step),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    });
  },
);

test('a SQLite database locked longer than busy_timeout mid-job: the write is retried, every step once, no crash (sqlite)', async () => {
  await withSetup('sqlite', 100, 1, async ({ store, url, spawn, enqueue }) => {
    await enqueue(['c-0']);
    const worker = spawn({ TEST_STEPS: '8' });
    await worker.waitForLine(/^step c-0 2$/);
    // Another process-like holder of the write lock for longer than the worker's 5 s busy_timeout.
    const blocker = new SQLite(url.slice('sqlite:'.length));
    blocker.exec('begin immediate');
    await waitFor(() => worker.lines.some((l) => l === 'outcome sync c-0 retrying') || undefined, {
      timeoutMs: 7000,
    }).catch(() => undefined);
    blocker.exec('rollback');
    blocker.close();
    await worker.waitForLine(/^outcome sync c-0 completed$/, 60_000);
    assert.equal(worker.child.exitCode, null, 'the worker is still running');
    assert.deepEqual(
      (await writtenSteps(store, 'c-0')).map((s) => s.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });
});
