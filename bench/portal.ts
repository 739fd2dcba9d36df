/**
 * `npm run bench:portal` — `chartbridge portal activate` against the portal double with 600 organisations at the
 * default pacing (500 ms between calls): one clean run, then a fresh portal where the run is killed with SIGKILL
 * at a random call and started again. Ends with one JSON line:
 *   {"orgs","activated","calls","duplicateCalls","wallMs","guidePacingMs"}
 * orgs/activated: organisations / with keys enabled at the end of both scenarios (the smaller count); calls and
 * duplicateCalls: ApproveDownload calls over both scenarios; wallMs: the clean run's wall time; guidePacingMs:
 * what the seed guide's script spends pacing alone (two calls per organisation, 500 ms apart).
 * Options: --orgs N, --pacing MS (omit for the CLI default), --mode direct-jwks|jwks-url, --latency MS.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { startPortalDouble, type RunningPortalDouble } from '../src/sandbox/portal/start-portal-double.ts';
import { cliPath } from '../src/testing/run-cli.ts';

const { values } = parseArgs({
  options: {
    orgs: { type: 'string', default: '600' },
    pacing: { type: 'string' },
    mode: { type: 'string', default: 'direct-jwks' },
    latency: { type: 'string', default: '40' },
  },
});
const orgs = Number(values.orgs);
const appId = '77001';

interface Scenario {
  activated: number;
  calls: number;
  duplicateCalls: number;
  wallMs: number;
  killedAfterCalls?: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-bench-portal-'));
  const jwksFile = join(dir, 'jwks.json');
  const rsa = await exportJWK((await generateKeyPair('RS384')).publicKey);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...rsa, kid: 'bench', alg: 'RS384', use: 'sig' }] }));
  try {
    const clean = await runScenario(join(dir, 'clean'), jwksFile, false);
    report('clean run', clean);
    const killed = await runScenario(join(dir, 'killed'), jwksFile, true);
    report('killed and resumed', killed);
    const line = {
      orgs,
      activated: Math.min(clean.activated, killed.activated),
      calls: clean.calls + killed.calls,
      duplicateCalls: clean.duplicateCalls + killed.duplicateCalls,
      wallMs: clean.wallMs,
      guidePacingMs: orgs * 2 * 500,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runScenario(cwd: string, jwksFile: string, kill: boolean): Promise<Scenario> {
  mkdirSync(cwd, { recursive: true });
  const portal = await startPortalDouble({ appId, orgCount: orgs, latencyMs: Number(values.latency) });
  const ticker = setInterval(() => {
    process.stderr.write(
      `  … ${portal.state.counters.approveCalls} calls, ${portal.state.stats().activated} activated\n`,
    );
  }, 30_000);
  try {
    const started = Date.now();
    let killedAfterCalls: number | undefined;
    if (kill) {
      const callsPerOrg = values.mode === 'jwks-url' ? 2 : 1;
      const killAt = 1 + Math.floor(Math.random() * (orgs * callsPerOrg - 1));
      const child = startCli(portal, cwd, jwksFile);
      await pollUntil(() => portal.state.counters.approveCalls >= killAt || child.exitCode !== null);
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      killedAfterCalls = portal.state.counters.approveCalls;
      process.stderr.write(`  killed with SIGKILL after ${killedAfterCalls} calls\n`);
    }
    const code = await exitCode(startCli(portal, cwd, jwksFile));
    if (code !== 0) throw new Error(`chartbridge portal activate exited with ${code}`);
    const stats = portal.state.stats();
    return {
      activated: stats.activated,
      calls: stats.approveCalls,
      duplicateCalls: stats.duplicateCalls,
      wallMs: Date.now() - started,
      killedAfterCalls,
    };
  } finally {
    clearInterval(ticker);
    await portal.close();
  }
}

function startCli(portal: RunningPortalDouble, cwd: string, jwksFile: string) {
  const session = portal.state.createSession();
  const args = ['portal', 'activate', '--app-id', appId, '--portal-url', portal.url, '--yes'];
  args.push(values.mode === 'jwks-url' ? '--jwks-url' : '--direct-jwks', '--jwks-file', jwksFile);
  if (values.pacing !== undefined) args.push('--pacing', values.pacing);
  return spawn(process.execPath, [cliPath, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      CHARTBRIDGE_PORTAL_COOKIE: `${portal.state.sessionCookieName}=${session.id}`,
      CHARTBRIDGE_PORTAL_TOKEN: session.verificationToken,
    },
  });
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function pollUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function report(name: string, scenario: Scenario): void {
  process.stderr.write(`${name}: ${JSON.stringify(scenario)}\n`);
}

await main();
