/**
 * `npm run bench:schedule [-- --connections 100000 --window 300 --workers 3 --concurrency 8 --global-limit 40
 *   --queue-limit 1000]`
 *
 * RELIABILITY.md case 45 at scale, on PostgreSQL: `--connections` connections whose access tokens all expire
 * together and whose re-syncs are all due at the start (as after an outage), planned by the real scheduler (its ticks,
 * batches, lease and queue limit), queued in pg-boss and run by `--workers` real workers (each its own database
 * pool and queue, `--concurrency` lanes, a global limit of jobs in flight across all of them). The handlers do
 * nothing but record: this measures planning, queueing and running, not the EHR. Settings are production's except
 * the refresh jitter (5 min in production), set to `--window` seconds.
 *
 * Reported: every job done exactly once, no connection run by two workers at once, the most jobs in flight at once
 * (≤ the global limit), the pools' largest wait queue (0 = never exhausted), the most jobs waiting in pg-boss (≤ the
 * scheduler's limit per kind), how evenly starts spread, the lateness of each start behind the start its plan gave
 * it (p50/p99/max; every re-sync was planned for the run's start, so theirs is how long 100,000 due syncs take to
 * drain), and how long before its token expired the latest refresh started (production refreshes 10–15 min
 * ahead, so minutes of lateness are still in time). The last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { systemClock } from '../src/clock.ts';
import { createLogger, createSilentLogger } from '../src/log/logger.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { createSlotRepository } from '../src/store/jobs-slots.ts';
import { createJobQueue } from '../src/jobs/create-job-queue.ts';
import type { JobName, JobQueue } from '../src/jobs/job-queue.ts';
import { createWorker, type Worker } from '../src/jobs/worker.ts';
import { createSlotLimiter } from '../src/jobs/limits/slot-limiter.ts';
import { createScheduler, nextTickDelayMs } from '../src/jobs/schedules/scheduler.ts';
import { defaultScheduleSettings } from '../src/jobs/schedules/schedule-settings.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '100000' },
    window: { type: 'string', default: '300' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'global-limit': { type: 'string', default: '40' },
    'queue-limit': { type: 'string', default: String(defaultScheduleSettings.queueLimit) },
    'vacuum-every': { type: 'string', default: '30' },
  },
});
const connections = Number(values.connections);
const windowMs = Number(values.window) * 1000;
const globalLimit = Number(values['global-limit']);
const queueLimit = Number(values['queue-limit']);
process.env.CHARTBRIDGE_TEST_PG_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../src/testing/databases.ts');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Connections and their re-sync rows, all due at the start, written by the database itself (100,000 inserts from here take minutes). */
async function seed(store: Store, t0: number): Promise<void> {
  await store.db.insertInto('users').values({ id: 'u1', created_at: t0 }).execute();
  // Tokens expire together: every refresh falls in [t0, t0 + refresh jitter].
  const expires = tokensExpireAt;
  await sql`
    insert into connections (id, user_id, endpoint_id, fhir_base, issuer, token_endpoint, client_id, patient_id,
      scope, access_token_sealed, refresh_token_sealed, token_version, access_expires_at, refreshable, status,
      last_sync_at, created_at, updated_at)
    select 'c-' || n, 'u1', 'e-' || (n % 50), 'https://ehr-' || (n % 50) || '.example/fhir',
      'https://ehr-' || (n % 50) || '.example/fhir', 'https://ehr-' || (n % 50) || '.example/token', 'client',
      'p' || n, 'patient/*.read', 'sealed', 'sealed', 1, ${expires}::bigint, 1, 'active',
      ${t0 - 86_400_000}::bigint, ${t0 - 86_400_000}::bigint, ${t0}::bigint
    from generate_series(1, ${connections}::int) as n`.execute(store.db);
  await sql`
    insert into job_schedules (connection_id, name, next_at, token_version)
    select 'c-' || n, 'sync', ${t0}::bigint, null from generate_series(1, ${connections}::int) as n`.execute(
    store.db,
  );
  await sql`analyze`.execute(store.db);
}

/** The largest value; `Math.max(...values)` overflows the stack at 200,000 arguments. */
function largest(values: Iterable<number>): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  return max;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const database = await createTestDatabase('postgres');
const main = openStore(database.url);
await migrateToLatest(main);
const t0 = Date.now();
const tokensExpireAt = t0 + defaultScheduleSettings.refreshAheadMs + windowMs;
log(`seeding ${connections} connections…`);
await seed(main, t0);
log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// What the scheduler asked for: each job's start time, by kind and connection.
const plannedStart = new Map<string, number>();
const started = new Map<string, number>();
const inFlight = new Set<string>();
let overlaps = 0;
let duplicates = 0;
let running = 0;
let peakRunning = 0;
let warnings = 0;
const countingLog = createLogger({
  level: 'warn',
  destination: { write: () => void (warnings += 1) },
});

function recordingQueue(queue: JobQueue): JobQueue {
  return {
    ...queue,
    async sendMany(name, jobs) {
      for (const job of jobs)
        plannedStart.set(`${name}:${job.data.connectionId}`, job.startAfter ?? Date.now());
      return queue.sendMany(name, jobs);
    },
  };
}

const handler = (name: JobName) => async (context: { connectionId: string }) => {
  const key = `${name}:${context.connectionId}`;
  if (inFlight.has(key)) overlaps += 1;
  if (started.has(key)) duplicates += 1;
  started.set(key, Date.now());
  inFlight.add(key);
  running += 1;
  peakRunning = Math.max(peakRunning, running);
  // A fast handler: one event-loop turn, so lanes really interleave.
  await new Promise((resolve) => setImmediate(resolve));
  running -= 1;
  inFlight.delete(key);
  return { status: 'done' as const };
};

const stores: Store[] = [];
const queues: JobQueue[] = [];
const workers: Worker[] = [];
const schedulerQueue = createJobQueue({
  store: main,
  databaseUrl: database.url,
  clock: systemClock,
  log: countingLog,
});
await schedulerQueue.start();
for (let i = 0; i < Number(values.workers); i += 1) {
  const store = openStore(database.url);
  const queue = createJobQueue({ store, databaseUrl: database.url, clock: systemClock, log: countingLog });
  await queue.start();
  const owner = `bench-worker-${i}`;
  const worker = createWorker({
    queue,
    store,
    handlers: { refresh: handler('refresh'), sync: handler('sync') },
    clock: systemClock,
    log: countingLog,
    limiter: createSlotLimiter({
      slots: createSlotRepository(store.db, store.dialect),
      owner,
      clock: systemClock,
    }),
    owner,
    concurrency: Number(values.concurrency),
    globalLimit,
  });
  stores.push(store);
  queues.push(queue);
  workers.push(worker);
}
const scheduler = createScheduler({
  store: main,
  queue: recordingQueue(schedulerQueue),
  clock: systemClock,
  log: createSilentLogger(),
  owner: 'bench-scheduler',
  notify: async () => 'skipped',
  settings: { refreshJitterMs: windowMs, queueLimit },
  intervalMs: 30_000,
  autoStart: false,
});

// This machine's PostgreSQL runs with autovacuum off (its CI configuration). Without it the dead rows of pg-boss's
// jobs, the leases and the schedules pile up and every fetch slows: 100,000 connections started ~400 jobs a second
// in the first minute and ~130 in the ninth. Production runs autovacuum (docs/operations.md); where the server does
// not, the bench stands in for it by vacuuming those tables every `--vacuum-every` seconds (0: never).
const vacuumEveryMs = Number(values['vacuum-every']) * 1000;
const autovacuum = (await sql<{ autovacuum: string }>`show autovacuum`.execute(main.db)).rows[0]!.autovacuum;
let vacuums = 0;
let vacuuming = true;
const vacuumLoop = (async () => {
  if (autovacuum === 'on' || vacuumEveryMs === 0) return;
  while (vacuuming) {
    await new Promise((resolve) => setTimeout(resolve, vacuumEveryMs));
    if (!vacuuming) return;
    await sql`vacuum (analyze) pgboss.job, job_leases, job_schedules, limit_slots`.execute(main.db);
    vacuums += 1;
  }
})().catch((error: unknown) => log(`vacuum loop stopped: ${String(error)}`));
log(
  `  autovacuum ${autovacuum}` +
    (autovacuum === 'on' || vacuumEveryMs === 0 ? '' : `: the bench vacuums every ${vacuumEveryMs / 1000} s`),
);

const begin = Date.now();
for (const worker of workers) worker.start();
let peakWaiting = 0;
let peakPoolTotal = 0;
const poolSampler = setInterval(() => {
  for (const store of [main, ...stores]) {
    const stats = store.poolStats?.();
    if (!stats) continue;
    peakWaiting = Math.max(peakWaiting, stats.waiting);
    peakPoolTotal = Math.max(peakPoolTotal, stats.total);
  }
}, 50);
// The production timer (30 s, sooner while due work waits), started at once rather than after its first 30 s.
let ticks = 0;
let lastQueuedMs = 0;
const tickLoop = (async () => {
  while (started.size < 2 * connections) {
    const result = await scheduler.tick();
    ticks += 1;
    if (result.refreshes + result.syncs + result.waiting > 0) {
      log(
        `  tick ${ticks}: queued ${result.refreshes} refreshes and ${result.syncs} syncs, ` +
          `${result.waiting} due jobs wait for room`,
      );
      lastQueuedMs = Date.now() - begin;
    }
    await new Promise((resolve) => setTimeout(resolve, nextTickDelayMs(result, 30_000)));
  }
})().catch((error: unknown) => log(`scheduler loop stopped: ${String(error)}`));
const limitMs = windowMs + 30 * 60_000;
let queuedMax = 0;
while (started.size < 2 * connections || running > 0) {
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const horizon = Date.now() + defaultScheduleSettings.horizonMs;
  const inQueue =
    (await schedulerQueue.queued('refresh', horizon)) + (await schedulerQueue.queued('sync', horizon));
  queuedMax = Math.max(queuedMax, inQueue);
  log(
    `  ${started.size}/${2 * connections} jobs started after ${((Date.now() - begin) / 1000).toFixed(0)} s, ` +
      `${inQueue} in the queue`,
  );
  if (Date.now() - begin > limitMs) {
    log(`FAIL: not done after ${limitMs / 60_000} minutes`);
    break;
  }
}
const elapsedS = (Date.now() - begin) / 1000;
clearInterval(poolSampler);
// Its sleep may outlast the run: it checks the flag on waking and stops.
vacuuming = false;
for (const worker of workers) await worker.stop();
await scheduler.stop();

const lateness: Record<JobName, number[]> = { refresh: [], sync: [] };
const perSecond = new Map<number, number>();
for (const [key, at] of started) {
  const name = key.slice(0, key.indexOf(':')) as JobName;
  lateness[name].push(Math.max(0, at - (plannedStart.get(key) ?? at)));
  const second = Math.floor((at - begin) / 1000);
  perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
}
for (const list of Object.values(lateness)) list.sort((a, b) => a - b);
const all = [...lateness.refresh, ...lateness.sync].sort((a, b) => a - b);
const done = { refresh: lateness.refresh.length, sync: lateness.sync.length };
log(
  `  ${done.refresh} refreshes and ${done.sync} syncs in ${elapsedS.toFixed(0)} s (the last tick that queued ` +
    `work ended after ${(lastQueuedMs / 1000).toFixed(0)} s); at most ${largest(perSecond.values())} starts in one second, ` +
    `${(all.length / elapsedS).toFixed(0)}/s on average`,
);
for (const name of ['refresh', 'sync'] as const) {
  const list = lateness[name];
  log(
    `  ${name} lateness: p50 ${percentile(list, 50)} ms, p99 ${percentile(list, 99)} ms, max ${list.at(-1) ?? 0} ms`,
  );
}
log(
  `  duplicates ${duplicates}, overlaps ${overlaps}, peak running ${peakRunning} (global limit ${globalLimit}), ` +
    `pool: most connections ${peakPoolTotal}, largest wait queue ${peakWaiting}, warnings logged ${warnings}, ` +
    `most jobs in pg-boss ${queuedMax} (limit ${queueLimit} a kind), vacuums ${vacuums}`,
);
const lastRefresh = largest([...started].filter(([key]) => key.startsWith('refresh:')).map(([, at]) => at));
const refreshMarginS = Math.round((tokensExpireAt - lastRefresh) / 1000);
log(`  the last refresh started ${refreshMarginS} s before the tokens expired`);
// Lateness above is behind the start time the scheduler gave; a job planned late also starts late against the
// window it was meant for: how long after the window's end the last job started.
const lastStart = largest(started.values());
const beyondWindowS = Math.round((lastStart - (t0 + windowMs)) / 1000);
log(`  the last job started ${beyondWindowS} s after the end of the ${windowMs / 1000} s window`);
const allDone = done.refresh === connections && done.sync === connections;
console.log(
  JSON.stringify({
    connections,
    windowS: windowMs / 1000,
    allDone,
    elapsedS: Math.round(elapsedS),
    latenessP50Ms: percentile(all, 50),
    latenessP99Ms: percentile(all, 99),
    latenessMaxMs: all.at(-1) ?? 0,
    refreshP50Ms: percentile(lateness.refresh, 50),
    refreshP99Ms: percentile(lateness.refresh, 99),
    syncP50Ms: percentile(lateness.sync, 50),
    syncP99Ms: percentile(lateness.sync, 99),
    jobsPerS: Math.round(all.length / elapsedS),
    refreshMarginS,
    beyondWindowS,
    duplicates,
    overlaps,
    peakRunning,
    globalLimit,
    poolWaitingMax: peakWaiting,
    queuedMax,
  }),
);
for (const queue of [schedulerQueue, ...queues]) await queue.stop();
for (const store of [main, ...stores]) await store.close();
await database.drop();
void tickLoop;
void vacuumLoop;
process.exitCode =
  allDone && refreshMarginS > 0 && duplicates === 0 && overlaps === 0 && peakRunning <= globalLimit ? 0 : 1;
process.exit();
