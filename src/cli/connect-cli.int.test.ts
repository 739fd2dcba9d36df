import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runCli } from '../testing/run-cli.ts';

let app: ConnectedApp;
before(async () => {
  app = await startConnectedApp();
});
after(async () => {
  await app.assertNoSecretsLeaked();
  await app.close();
});

test('connections list/show --json report the connection without any token', async () => {
  const id = await app.connectPatient('cli-user');
  const list = await runCli(['connections', 'list', '--user', 'cli-user', '--json'], { env: app.cliEnv });
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as Array<{ id: string; status: string }>;
  assert.deepEqual(
    rows.map((r) => [r.id, r.status]),
    [[id, 'active']],
  );
  const show = await runCli(['connections', 'show', id], { env: app.cliEnv });
  assert.equal(show.code, 0);
  assert.match(show.stdout, /status\s+active/);
  for (const output of [list.stdout, show.stdout]) app.secrets.assertAbsent(output, 'cli output');
});

test('case 14: usage errors exit 2 with one line; an unknown connection exits 1; nothing changes', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['connections', 'refresh'], 2, /missing required argument 'connectionId'/],
    [['connections', 'list', '--bogus'], 2, /unknown option '--bogus'/],
    [
      ['connections', 'list', '--status', 'sleeping'],
      2,
      /^chartbridge: unknown --status 'sleeping'; use one of active, needs_reauth, revoked, error, key_error\n$/,
    ],
    [
      ['connections', 'refresh', '../etc/passwd'],
      2,
      /^chartbridge: invalid connection or user id '..\/etc\/passwd': use letters, digits and \. _ : @ -\n$/,
    ],
    [['connections', 'refresh', 'con_nope'], 1, /^chartbridge: connection 'con_nope' not found\n$/],
    [['connections', 'disconnect', 'con_nope'], 1, /^chartbridge: connection 'con_nope' not found\n$/],
  ];
  for (const [args, code, stderr] of cases) {
    const result = await runCli(args, { env: app.cliEnv });
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, stderr);
  }
});

test('doctor: all checks pass against a running app and sandbox; a dead public URL fails with a fix', async () => {
  const ok = await runCli(['doctor'], { env: app.cliEnv });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^OK {4}jwks: .*\/\.well-known\/jwks\.json serves 1 key\(s\)$/m);
  assert.match(
    ok.stdout,
    /^OK {4}endpoint sandbox-org-a discovery: issuer http:\/\/127\.0\.0\.1:\d+\/org-a\/oauth2$/m,
  );
  assert.match(
    ok.stdout,
    /^OK {4}endpoint sandbox-org-a client authentication: .* accepted our signed client assertion for client id chartbridge-demo-nonprod \(invalid_grant for a deliberately invalid code\)$/m,
  );
  assert.match(ok.stdout, /all checks passed\n$/);

  const dead = await runCli(['doctor', 'sandbox-org-b', '--json'], {
    env: { ...app.cliEnv, CHARTBRIDGE_PUBLIC_URL: 'http://127.0.0.1:9' },
  });
  assert.equal(dead.code, 1);
  const checks = JSON.parse(dead.stdout) as Array<{ name: string; status: string; detail: string }>;
  const jwks = checks.find((c) => c.name === 'jwks')!;
  assert.equal(jwks.status, 'fail');
  assert.match(jwks.detail, /is unreachable: start 'chartbridge serve'/);
  assert.deepEqual(
    checks.filter((c) => c.name.startsWith('endpoint')).map((c) => c.status),
    ['ok', 'ok', 'ok'],
  );

  const badKey = await runCli(['doctor'], { env: { ...app.cliEnv, CHARTBRIDGE_ENCRYPTION_KEY: 'short' } });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stdout, /^FAIL {2}encryption key: CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key/m);
});
