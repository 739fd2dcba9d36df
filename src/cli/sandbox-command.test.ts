import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { cliPath, runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('chartbridge sandbox', () => {
  it('documents every option in --help', async () => {
    const result = await runCli(['sandbox', '--help']);
    assert.equal(result.code, 0);
    for (const flag of [
      '--port',
      '--host',
      '--client',
      '--clients',
      '--latency',
      '--page-size',
      '--faults',
      '--auto-approve',
      '--auto-approve-period',
      '--grace-seconds',
      '--data',
      '--access-token-ttl',
      '--distinct-hosts',
    ]) {
      assert.match(result.stdout, new RegExp(`${flag}\\b`), flag);
    }
  });

  it('refuses bad input with exit code 2 and one line', async () => {
    const cases: [string[], string][] = [
      [['--port', 'x'], 'chartbridge: --port must be a port number between 0 and 65535\n'],
      [['--grace-seconds', '-1'], 'chartbridge: --grace-seconds must be a whole number ≥ 0\n'],
      [['--access-token-ttl', '0'], 'chartbridge: --access-token-ttl must be a whole number ≥ 1\n'],
      [
        ['--client', 'no-url'],
        'chartbridge: invalid --client "no-url": expected <id>=<jwksUrl>[,<redirectUri>…] with http(s) urls\n',
      ],
      [
        ['--clients', '/nonexistent/clients.json'],
        'chartbridge: cannot read clients file "/nonexistent/clients.json": check the path\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = await runCli(['sandbox', '--port', '0', ...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr, stderr);
    }
    const unknown = await runCli(['sandbox', '--auto-approve-period', '2y']);
    assert.equal(unknown.code, 2);
  });

  it('prints the organisations, serves them and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'sandbox',
        '--port',
        '0',
        '--auto-approve',
        '--client',
        'app=http://127.0.0.1:9/jwks.json,http://127.0.0.1:9/cb',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stdout.includes('press Ctrl+C to stop'), {
      timeoutMs: 60_000,
      what: 'sandbox ready',
    });
    const fhirBase = /FHIR base: +(\S+)/.exec(stdout)![1]!;
    const config = await fetch(`${fhirBase}/.well-known/smart-configuration`);
    assert.equal(config.status, 200);
    assert.match(stdout, /clients: +app\n/);
    assert.match(stdout, /password: +chartbridge/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /sandbox stopped \(SIGTERM\)/);
  });
});
