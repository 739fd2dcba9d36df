import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { startPortalDouble, type RunningPortalDouble } from '../sandbox/portal/start-portal-double.ts';
import { cliPath, runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';
import { SESSION_EXPIRED_MESSAGE, TOKEN_REJECTED_MESSAGE } from './portal-client.ts';

const APP = '8080';

describe('chartbridge portal activate against the portal double', () => {
  let portal: RunningPortalDouble;
  let dir: string;
  let env: Record<string, string>;
  const cleanups: (() => Promise<void>)[] = [];

  async function start(options: Parameters<typeof startPortalDouble>[0]) {
    portal = await startPortalDouble({ appId: APP, ...options });
    cleanups.push(() => portal.close());
    const session = portal.state.createSession();
    env = {
      CHARTBRIDGE_PORTAL_COOKIE: `other=1; ${portal.state.sessionCookieName}=${session.id}`,
      CHARTBRIDGE_PORTAL_TOKEN: session.verificationToken,
    };
  }
  const activate = (...args: string[]) =>
    runCli(['portal', 'activate', '--app-id', APP, '--portal-url', portal.url, '--pacing', '0', ...args], {
      env,
      cwd: dir,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chartbridge-portal-'));
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    rmSync(dir, { recursive: true, force: true });
  });

  it('activates 600 organisations with two calls each, reports failures, and re-runs only new and failed ones', async () => {
    await start({ orgCount: 600, failingOrgCount: 3 });
    const first = await activate('--yes');
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /needs non-production and production: 600\n/);
    assert.match(first.stdout, /activated: +597\n/);
    assert.match(first.stdout, /failed: +3\n/);
    const stats = portal.state.stats();
    assert.deepEqual(
      { activated: stats.activated, approveCalls: stats.approveCalls, duplicateCalls: stats.duplicateCalls },
      { activated: 597, approveCalls: 597 * 2 + 3, duplicateCalls: 0 },
    );
    for (const org of portal.state.orgs.values()) {
      const counts = portal.state.countsFor(org.orgId).succeeded;
      assert.deepEqual(
        counts,
        org.alwaysFails ? { nonprod: 0, prod: 0, direct: 0 } : { nonprod: 1, prod: 1, direct: 0 },
      );
    }
    const csv = readFileSync(join(dir, 'data', `portal-failures-${APP}.csv`), 'utf8')
      .trim()
      .split('\r\n');
    assert.equal(csv[0], 'orgId,orgName,step,message');
    assert.equal(csv.length, 4);
    assert.match(csv[1]!, /^\d+,[^,]+,nonprod,Failed to register client for download\.$/);

    portal.state.addOrgs(5);
    const second = await activate('--yes');
    assert.match(second.stdout, /needs non-production and production: 5\n/);
    assert.match(second.stdout, /failing before \(retried\): 3\n/);
    assert.match(second.stdout, /already done: 597\n/);
    assert.equal(portal.state.stats().approveCalls, 597 * 2 + 3 + 5 * 2 + 3);
    assert.equal(portal.state.stats().activated, 602);
    assert.equal(portal.state.stats().duplicateCalls, 0);
  });

  it('activates 600 organisations in direct mode with one call each, uploading only the RSA keys', async () => {
    await start({ orgCount: 600 });
    const rsa = { ...(await exportJWK((await generateKeyPair('RS384')).publicKey)), kid: 'r1', alg: 'RS384' };
    const ec = { ...(await exportJWK((await generateKeyPair('ES384')).publicKey)), kid: 'e1', alg: 'ES384' };
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [ec, rsa] }));
    const run = await activate('--direct-jwks', '--jwks-file', 'jwks.json', '--yes', '--page-size', '250');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /calls to make \(direct-jwks\): 600\n/);
    const stats = portal.state.stats();
    assert.deepEqual(
      [stats.activated, stats.approveCalls, stats.duplicateCalls, stats.loadCalls],
      [600, 600, 0, 3],
    );
    const uploaded = JSON.parse(portal.state.orgs.get('1000')!.prodJwks!);
    assert.deepEqual(uploaded, { keys: [{ ...rsa, use: 'sig' }] });
  });

  it('uploads the RSA public keys of the key store in direct mode when no file is given', async () => {
    await start({ orgCount: 20 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const run = await runCli(
      [
        'portal',
        'activate',
        '--app-id',
        APP,
        '--portal-url',
        portal.url,
        '--pacing',
        '0',
        '--direct-jwks',
        '--yes',
      ],
      { env: { ...env, CHARTBRIDGE_PRIVATE_KEYS: pem }, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(portal.state.stats().activated, 20);
    const uploaded = JSON.parse(portal.state.orgs.get('1000')!.testJwks!) as {
      keys: Record<string, unknown>[];
    };
    assert.equal(uploaded.keys.length, 1);
    assert.deepEqual(Object.keys(uploaded.keys[0]!).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(uploaded.keys[0]!.kty, 'RSA');
  });

  it('resumes a run killed with SIGKILL at a random point without repeating a successful call', async () => {
    await start({ orgCount: 600 });
    const killAt = 50 + Math.floor(Math.random() * 1100);
    const child = spawn(
      process.execPath,
      [cliPath, 'portal', 'activate', '--app-id', APP, '--portal-url', portal.url, '--pacing', '1', '--yes'],
      { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    await waitFor(() => portal.state.counters.approveCalls >= killAt, {
      timeoutMs: 120_000,
      what: `call ${killAt}`,
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const beforeResume = portal.state.stats().activated;
    assert.ok(beforeResume < 600, `killed after ${killAt} calls, ${beforeResume} activated`);

    const resumed = await activate('--yes');
    assert.equal(resumed.code, 0, resumed.stderr);
    const stats = portal.state.stats();
    assert.deepEqual([stats.activated, stats.duplicateCalls], [600, 0]);
    for (const org of portal.state.orgs.values()) {
      assert.deepEqual(portal.state.countsFor(org.orgId), {
        calls: 2,
        succeeded: { nonprod: 1, prod: 1, direct: 0 },
        redundant: 0,
      });
    }
  });

  it('stops with a clear message when the session expired or the token is wrong', async () => {
    await start({ orgCount: 5 });
    const badToken = await runCli(
      ['portal', 'activate', '--app-id', APP, '--portal-url', portal.url, '--yes'],
      {
        env: { ...env, CHARTBRIDGE_PORTAL_TOKEN: 'copied-wrong' },
        cwd: dir,
      },
    );
    assert.equal(badToken.code, 1);
    assert.equal(badToken.stderr, `chartbridge: ${TOKEN_REJECTED_MESSAGE}\n`);
    portal.state.expireSessions();
    const expired = await activate('--yes');
    assert.equal(expired.code, 1);
    assert.equal(expired.stderr, `chartbridge: ${SESSION_EXPIRED_MESSAGE}\n`);
    assert.equal(portal.state.counters.approveCalls, 0);
  });

  it('stops after the call in flight on Ctrl-C and resumes from the journal', async () => {
    await start({ orgCount: 200 });
    const child = spawn(
      process.execPath,
      [cliPath, 'portal', 'activate', '--app-id', APP, '--portal-url', portal.url, '--pacing', '2', '--yes'],
      { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise((resolve) => child.once('close', resolve));
    await waitFor(() => portal.state.counters.approveCalls >= 40, { timeoutMs: 60_000, what: '40 calls' });
    child.kill('SIGINT');
    assert.equal(await exited, 1);
    assert.match(stdout, /interrupted: run the same command again to continue where this run stopped\n/);
    const stopped = portal.state.stats();
    assert.ok(
      stopped.activated < 200 && stopped.approveCalls === stopped.activated * 2,
      JSON.stringify(stopped),
    );

    const resumed = await activate('--yes');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([portal.state.stats().activated, portal.state.stats().duplicateCalls], [200, 0]);
  });

  it('stops cleanly when the session expires mid-run, and a new session finishes without repeats', async () => {
    await start({ orgCount: 300 });
    const child = spawn(
      process.execPath,
      [cliPath, 'portal', 'activate', '--app-id', APP, '--portal-url', portal.url, '--pacing', '1', '--yes'],
      { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => child.once('close', resolve));
    await waitFor(() => portal.state.counters.approveCalls >= 100, { timeoutMs: 60_000, what: '100 calls' });
    portal.state.expireSessions();
    assert.equal(await exited, 1);
    assert.match(
      stderr,
      new RegExp(`chartbridge: ${SESSION_EXPIRED_MESSAGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`),
    );
    assert.ok(portal.state.stats().activated < 300);

    const session = portal.state.createSession();
    env = {
      ...env,
      CHARTBRIDGE_PORTAL_COOKIE: `${portal.state.sessionCookieName}=${session.id}`,
      CHARTBRIDGE_PORTAL_TOKEN: session.verificationToken,
    };
    const resumed = await activate('--yes');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([portal.state.stats().activated, portal.state.stats().duplicateCalls], [300, 0]);
  });

  it('stops at the plan with --dry-run or without confirmation, and honours --only and --exclude', async () => {
    await start({ orgCount: 10, startDone: 2, startNonProd: 3 });
    const dry = await activate('--dry-run');
    assert.equal(dry.code, 0);
    assert.match(
      dry.stdout,
      /needs non-production and production: 5\n.*needs production only: 3\n.*already done: 2\n/s,
    );
    const declined = await activate();
    assert.match(declined.stdout, /aborted: nothing was changed/);
    assert.equal(existsSync(join(dir, 'data', `portal-activation-${APP}.jsonl`)), false);
    assert.equal(portal.state.counters.approveCalls, 0);

    const filtered = await activate('--yes', '--only', '1035,1042,1049', '--exclude', '1042');
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.match(filtered.stdout, /organisations: 10 \(8 left out by filters\)/);
    assert.deepEqual([...portal.state.counts.keys()].sort(), ['1035', '1049']);
    assert.equal(portal.state.counters.approveCalls, 4);
  });

  it('rejects a missing session and a bad app id before calling the portal', async () => {
    await start({ orgCount: 1 });
    const missing = await runCli(['portal', 'activate', '--app-id', APP, '--portal-url', portal.url], {
      env: { CHARTBRIDGE_PORTAL_COOKIE: '', CHARTBRIDGE_PORTAL_TOKEN: '' },
      cwd: dir,
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^chartbridge: no portal session cookie: pass --cookie/);
    const badApp = await runCli(['portal', 'activate', '--app-id', 'abc'], { env, cwd: dir });
    assert.equal(badApp.code, 2);
    assert.equal(badApp.stderr, "chartbridge: invalid --app-id 'abc': give the number from the portal URL\n");
    assert.equal(portal.state.counters.loadCalls, 0);
  });
});
