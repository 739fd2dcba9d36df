/**
 * `npm run bench:scale [-- --patients 2000 --orgs 20 --latency 50 --resources 40 --concurrency 20]`
 *
 * Connections fully synced per minute by `chartbridge worker` OS processes: 1 process on SQLite, 1 and 3
 * processes on PostgreSQL. Each run: a sandbox EHR serving every organisation on its own loopback host with
 * `--latency` ms per request, N synthetic patients spread over the organisations, all of them connected through
 * the real launch flow, then one sync job per connection and the clock runs until every connection has synced.
 * The sandbox's request log gives the peak concurrency per EHR host, which must never exceed the host limit.
 * The last line is one JSON object: {"sqlite1PerMin","pg1PerMin","pg3PerMin","maxHostConcurrency","hostLimit"}.
 */
import { parseArgs } from 'node:util';
import { createSilentLogger } from '../src/log/logger.ts';
import { loadSandboxData } from '../src/sandbox/data/load-data.ts';
import type { RequestLogEntry } from '../src/sandbox/request-log.ts';
import type { ConnectedApp } from '../src/testing/connected-app.ts';
import { createJobQueue } from '../src/jobs/create-job-queue.ts';
import { killAll, spawnWorker, type WorkerProcess } from '../src/testing/jobs/worker-processes.ts';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '2000' },
    orgs: { type: 'string', default: '20' },
    latency: { type: 'string', default: '50' },
    resources: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '20' },
    'host-limit': { type: 'string', default: '5' },
    runs: { type: 'string', default: 'sqlite1,pg1,pg3' },
  },
});
const patients = Number(values.patients);
const orgs = Number(values.orgs);
const latencyMs = Number(values.latency);
const hostLimit = Number(values['host-limit']);
process.env.CHARTBRIDGE_TEST_PG_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
// Imported after the line above: the test-database helper reads the PostgreSQL URL when it loads.
const { startConnectedApp, noJobs } = await import('../src/testing/connected-app.ts');

/**
 * For each host whose requests overlapped beyond the limit: how long the excess lasted in all, and its longest
 * stretch, from the sandbox's own timings (arrival to last body byte). Telling a real breach (requests truly in
 * flight together) from a few milliseconds of the sandbox's event loop noticing an ended body late.
 */
function describeExcess(entries: RequestLogEntry[], limit: number): string[] {
  const byHost = new Map<string, Array<[number, number]>>();
  for (const e of entries) {
    const events = byHost.get(e.host) ?? [];
    events.push([e.at, 1], [e.at + e.durationMs, -1]);
    byHost.set(e.host, events);
  }
  const lines: string[] = [];
  for (const [host, events] of byHost) {
    // Ends before starts at the same instant: touching requests do not overlap.
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let since = 0;
    let total = 0;
    let longest = 0;
    let stretches = 0;
    for (const [at, change] of events) {
      if (inFlight > limit) {
        total += at - since;
        longest = Math.max(longest, at - since);
      }
      inFlight += change;
      if (inFlight > limit && inFlight - change <= limit) stretches += 1;
      since = at;
    }
    if (stretches > 0)
      lines.push(`${host}: ${stretches} stretches over the limit, ${total} ms in all, longest ${longest} ms`);
  }
  return lines;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Connects every patient, hospitals taken in turn (one patient of each, then the next of each…), as patients of
 * many hospitals connect over a day; the syncs are queued in the same order. Queued hospital by hospital instead,
 * every worker would wait on one hospital's five slots and the run would measure that hospital, not the workers.
 */
async function connectAll(app: ConnectedApp): Promise<string[]> {
  const byOrg = app.sandbox
    .orgs()
    .map((org) => app.sandbox.data.organization(org.id)!.patients.map((p) => ({ org: org.id, p })));
  const longest = Math.max(...byOrg.map((patients) => patients.length));
  const targets = Array.from({ length: longest }, (_, i) => byOrg.flatMap((patients) => patients[i] ?? []));
  const flat = targets.flat();
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < flat.length) {
        const { org, p } = flat[next++]!;
        ids.push(
          await app.connectPatient(`bench-user-${ids.length}-${next}`, { orgId: org, username: p.username }),
        );
        if (ids.length % 250 === 0) log(`  connected ${ids.length}/${flat.length}`);
      }
    }),
  );
  log(`  connected ${ids.length} patients in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return ids;
}

async function countSynced(app: ConnectedApp): Promise<number> {
  const rows = await app.services.repos.connections.listAll();
  return rows.filter((r) => r.last_sync_at !== null).length;
}

async function measureRun(name: string, dialect: 'sqlite' | 'postgres', processes: number) {
  log(
    `${name}: ${processes} worker process(es) on ${dialect}, ${patients} patients over ${orgs} organisations`,
  );
  const data = await loadSandboxData({
    organizations: orgs,
    synthetic: { patients, resourcesPerPatient: Number(values.resources), seed: 11 },
  });
  // No first sync queued at connect: the clock starts when this benchmark queues every sync at once.
  const app = await startConnectedApp({
    dialect,
    jobs: noJobs,
    sandboxOptions: { distinctHosts: true, latencyMs, data },
  });
  const workers: WorkerProcess[] = [];
  const queue = createJobQueue({
    store: app.services.store,
    databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
    clock: app.services.clock,
    log: createSilentLogger(),
  });
  // Interrupting the benchmark must not leave worker processes behind.
  const onSignal = () => void killAll(workers).then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ids = await connectAll(app);
    await queue.start();
    for (let i = 0; i < processes; i += 1) {
      workers.push(
        spawnWorker(
          { ...app.cliEnv, CHARTBRIDGE_LOG_LEVEL: 'error' },
          {
            real: true,
            args: ['--no-schedule', '--concurrency', values.concurrency!, '--host-limit', String(hostLimit)],
          },
        ),
      );
    }
    await Promise.all(workers.map((w) => w.waitForLine(/ready/, 60_000)));
    app.sandbox.requestLog.clear();
    const started = performance.now();
    for (const connectionId of ids) await queue.send('sync', { connectionId });
    let synced = 0;
    while (synced < ids.length) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      synced = await countSynced(app);
      const seconds = (performance.now() - started) / 1000;
      if (Math.round(seconds) % 15 === 0)
        log(`  ${synced}/${ids.length} synced after ${seconds.toFixed(0)} s`);
      if (seconds > 3600) throw new Error(`${name}: not finished after an hour`);
    }
    const minutes = (performance.now() - started) / 60_000;
    const peaks = app.sandbox
      .orgs()
      .map((org) => app.sandbox.requestLog.peakConcurrency(new URL(org.fhirBase).host));
    const counters = app.sandbox.requestLog.counters();
    const entries = app.sandbox.requestLog.entries();
    const tokenCalls = entries.filter((e) => e.url.includes('/oauth2/token')).length;
    const statuses = new Map<number, number>();
    for (const e of entries) statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
    log(
      `  statuses ${JSON.stringify([...statuses])}, distinct urls ${new Set(entries.map((e) => e.host + e.url)).size}`,
    );
    for (const line of describeExcess(entries, hostLimit)) log(`  over the limit: ${line}`);
    const perMin = Number((ids.length / minutes).toFixed(1));
    log(
      `  ${name}: ${ids.length} connections in ${(minutes * 60).toFixed(1)} s = ${perMin}/min; ` +
        `${counters.requests} requests (${(counters.requests / (minutes * 60)).toFixed(0)}/s), ${counters.resources} resources, ${tokenCalls} token calls; ` +
        `peak concurrency per host: ${peaks.join(' ')}`,
    );
    return { perMin, maxPeak: Math.max(...peaks) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await killAll(workers);
    await queue.stop();
    await app.close();
  }
}

const plan = values.runs!.split(',');
const results: Record<string, { perMin: number; maxPeak: number }> = {};
if (plan.includes('sqlite1')) results.sqlite1 = await measureRun('sqlite1', 'sqlite', 1);
if (plan.includes('pg1')) results.pg1 = await measureRun('pg1', 'postgres', 1);
if (plan.includes('pg3')) results.pg3 = await measureRun('pg3', 'postgres', 3);
const maxHostConcurrency = Math.max(...Object.values(results).map((r) => r.maxPeak));
if (results.pg1 && results.pg3)
  log(`scaling pg3/pg1: ${(results.pg3.perMin / results.pg1.perMin).toFixed(2)}×`);
if (maxHostConcurrency > hostLimit)
  log(`FAIL: a host saw ${maxHostConcurrency} concurrent requests (limit ${hostLimit})`);
console.log(
  JSON.stringify({
    sqlite1PerMin: results.sqlite1?.perMin ?? null,
    pg1PerMin: results.pg1?.perMin ?? null,
    pg3PerMin: results.pg3?.perMin ?? null,
    maxHostConcurrency,
    hostLimit,
  }),
);
process.exitCode = maxHostConcurrency > hostLimit ? 1 : 0;
