import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/testing/demo-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The README's scripted walk-through: the ```sh block that starts the demo with --auto-approve. */
function readmeCurlBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((text) => text.includes('demo --auto-approve'));
  assert.ok(block, 'README.md has the curl block');
  return block;
}

test("README's curl block runs as written against a demo and each step does what its comment says", async () => {
  // The README runs bin/chartbridge.js, which runs dist/: without a build the block's wait loop would spin for
  // the whole timeout. `npm install`/`npm ci` build it (prepare); a checkout that skipped them says so at once.
  assert.ok(existsSync(join(root, 'dist/cli/main.js')), 'dist/ is missing: run `npm run build` first');
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const script = readmeCurlBlock()
    .replaceAll('--port 3000', `--port ${port}`)
    .replaceAll('--sandbox-port 3001', `--sandbox-port ${sandboxPort}`)
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`);
  // A fresh folder stands in for the clone: `npm run chartbridge` is the clone's script, the demo's ./data is here.
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-readme-'));
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'chartbridge',
      private: true,
      scripts: {
        chartbridge: scripts.chartbridge!.replace('bin/chartbridge.js', join(root, 'bin/chartbridge.js')),
      },
    }),
  );
  const env = { ...withoutChartbridgeVariables(process.env), CHARTBRIDGE_LOG_LEVEL: 'warn' };
  // Its own process group, so the block's background demo is stopped with it.
  const shell = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  shell.stdout.on('data', (chunk) => (stdout += chunk));
  shell.stderr.on('data', (chunk) => (stderr += chunk));
  const closed = new Promise((resolve) => shell.on('close', resolve));
  const timer = setTimeout(() => process.kill(-shell.pid!, 'SIGKILL'), 240_000);
  const code = await new Promise<number | null>((resolve) => shell.on('exit', resolve));
  clearTimeout(timer);
  // The script is done; its background demo is still running in the group: stop it (SIGTERM, a clean exit).
  try {
    process.kill(-shell.pid!, 'SIGTERM');
  } catch {
    // nothing left running
  }
  await closed;
  try {
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    // The sandbox hospitals.
    assert.match(stdout, /"name":"Northwind General Hospital"/);
    assert.match(stdout, /"name":"Lakeside Regional Medical Center"/);
    // status: active, for alice's new connection.
    const listed = /\{"connections":\[.*\]\}/.exec(stdout);
    assert.ok(listed, stdout);
    const connections = (JSON.parse(listed[0]) as { connections: Array<{ id: string; status: string }> })
      .connections;
    assert.deepEqual(
      connections.map((c) => c.status),
      ['active'],
    );
    const id = connections[0]!.id;
    // rotates the refresh token; revokes at the EHR.
    assert.match(
      stdout,
      new RegExp(`refreshed connection '${id}': token version 2, access token valid until `, 'm'),
    );
    assert.match(
      stdout,
      new RegExp(
        `^disconnected connection '${id}': revocation at the EHR revoked; local tokens deleted$`,
        'm',
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function withoutChartbridgeVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('CHARTBRIDGE_')));
}
