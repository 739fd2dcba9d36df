/**
 * `npm run bench:hostile [-- --cases name,name]`
 *
 * One bad EHR answer must never take chartbridge down (issue 14). For each case, a real `chartbridge serve
 * --with-worker` process (the compiled binary) on SQLite syncs one patient from the sandbox EHR on loopback, with one search answering
 * like a hostile server: a 45 MB page of 10⁶ entries, a 60 MB string, 200,000-deep nesting, an endless chain of
 * `next` links (100,000 pages and more), a body sent one byte a second, a gzip bomb. Meanwhile `/healthz` is
 * polled every 50 ms. Per case: the p99 of those polls, the serve process's peak RSS (VmHWM), whether a job
 * lease was lost (taken over, or the worker said so), and how the run ended, with its reason.
 * Targets: every healthzP99Ms ≤ 200, every peakRssMb ≤ 400, no lease lost, each case ends within 60 s.
 * The last line is one JSON object:
 * {"cases":[{"name","healthzP99Ms","peakRssMb","leaseLost","outcome","seconds"}],"worstHealthzP99Ms","worstRssMb"}
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import type { FaultRule } from '../src/sandbox/faults.ts';
import { killAll, spawnServe, type WorkerProcess } from '../src/testing/jobs/worker-processes.ts';
import { noJobs, startConnectedApp } from '../src/testing/connected-app.ts';

interface HostileCase {
  name: string;
  rule: FaultRule;
}

const CASES: HostileCase[] = [
  {
    name: 'page-1e6-entries-45mb',
    rule: { route: 'Procedure', kind: 'many-entries', count: 1_000_000, times: 1 },
  },
  {
    name: 'string-60mb',
    rule: { route: 'Procedure', kind: 'long-string', bytes: 60 * 1024 * 1024, times: 1 },
  },
  { name: 'nesting-200k', rule: { route: 'Procedure', kind: 'deep-nesting', count: 200_000, times: 1 } },
  { name: 'next-links-100k', rule: { route: 'Procedure', kind: 'endless-next' } },
  { name: 'one-byte-a-second', rule: { route: 'Procedure', kind: 'slow-body', ms: 1000, times: 1 } },
  {
    name: 'gzip-bomb-256mb',
    rule: { route: 'Procedure', kind: 'compression-bomb', bytes: 256 * 1024 * 1024, times: 1 },
  },
];

const { values } = parseArgs({ options: { cases: { type: 'string' } } });
const chosen = values.cases ? CASES.filter((c) => values.cases!.split(',').includes(c.name)) : CASES;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// What an operator runs: the compiled binary (dist/), built now so it is the code of this checkout.
const builtCli = fileURLToPath(new URL('../bin/chartbridge.js', import.meta.url));
log('building dist/ (npm run build)…');
execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function readPeakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Polls /healthz every 50 ms from a process of its own (this one serves the sandbox, and its busy event loop
 * would otherwise count against chartbridge); a poll that does not answer within 5 s counts as 5,000 ms.
 */
const POLLER = `
const latencies = [];
let running = true;
process.on('SIGTERM', () => { running = false; });
(async () => {
  while (running) {
    const started = performance.now();
    try { const r = await fetch(process.argv[1] + '/healthz', { signal: AbortSignal.timeout(5000) }); await r.arrayBuffer(); } catch {}
    const took = performance.now() - started;
    latencies.push(took);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - took)));
  }
  process.stdout.write(JSON.stringify(latencies));
})();
`;

function pollHealth(url: string): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, ['-e', POLLER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(output) as number[];
    },
  };
}

async function runCase(hostile: HostileCase) {
  const app = await startConnectedApp({ dialect: 'sqlite', jobs: noJobs });
  const processes: WorkerProcess[] = [];
  try {
    const connectionId = await app.connectPatient('hostile-user', { orgId: 'org-b', username: 'vitofeeney' });
    app.sandbox.faults.add({ org: 'org-b', ...hostile.rule });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = spawnServe(
      { ...app.cliEnv, CHARTBRIDGE_PUBLIC_URL: url, CHARTBRIDGE_LOG_LEVEL: 'warn', PORT: String(port) },
      ['--with-worker'],
      builtCli,
    );
    processes.push(serve);
    await serve.waitForLine(/listening|ready/i, 60_000);
    const health = pollHealth(url);
    const started = performance.now();
    const queued = await fetch(`${url}/api/connections/${connectionId}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.apiKey}` },
    });
    if (queued.status !== 202) throw new Error(`queueing the sync answered ${queued.status}`);
    let outcome = 'not finished within 120 s';
    while (performance.now() - started < 120_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const runs = (await (await app.api(`/api/connections/${connectionId}/sync-runs`)).json()) as {
        runs: Array<{ status: string; reason: string | null; finishedAt: string | null }>;
      };
      // The first run after the start: the scheduler may queue another sync right after it.
      const run = runs.runs[runs.runs.length - 1];
      if (run?.finishedAt) {
        outcome = `${run.status}: ${run.reason ?? 'no reason'}`;
        break;
      }
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const latencies = await health.stop();
    const peakRssMb = readPeakRssMb(serve.child.pid!);
    // A job taken over (its lease expired while the page was being handled) says so in the worker's log.
    const leaseLost = serve.lines.some((line) => /lease lost|taking over an abandoned job/.test(line));
    const result = {
      name: hostile.name,
      healthzP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
      peakRssMb,
      leaseLost,
      outcome,
      seconds,
    };
    log(`  ${JSON.stringify(result)} (${latencies.length} health polls)`);
    return result;
  } finally {
    await killAll(processes);
    await app.close();
  }
}

const results = [];
for (const hostile of chosen) {
  log(`case ${hostile.name}`);
  results.push(await runCase(hostile));
}
log('');
log('case                     p99 healthz   peak RSS   lease lost   seconds   outcome');
for (const r of results)
  log(
    `${r.name.padEnd(24)} ${`${r.healthzP99Ms} ms`.padStart(11)} ${`${r.peakRssMb} MB`.padStart(10)}   ${String(r.leaseLost).padEnd(10)} ${String(r.seconds).padStart(8)}   ${r.outcome}`,
  );
console.log(
  JSON.stringify({
    cases: results,
    worstHealthzP99Ms: Math.max(...results.map((r) => r.healthzP99Ms)),
    worstRssMb: Math.max(...results.map((r) => r.peakRssMb)),
  }),
);
