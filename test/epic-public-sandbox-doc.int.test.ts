import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeSmartServer } from '../src/testing/fake-smart-server.ts';
import { cliPath, runCli } from '../src/testing/run-cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const PUBLIC_SANDBOX = 'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4';

/** docs/epic-setup.md "Try Epic's public sandbox with the non-production client id": its ```sh block. */
function publicSandboxBlock(): string {
  const doc = readFileSync(join(root, 'docs/epic-setup.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith("Try Epic's public sandbox"));
  assert.ok(section, 'docs/epic-setup.md has the public sandbox section (issue 15 point 10)');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the section has a shell block');
  return block;
}

function runBash(script: string, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: { ...process.env, CHARTBRIDGE_LOG_LEVEL: 'silent', CHARTBRIDGE_DATABASE_URL: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test("epic-setup.md's public sandbox walk-through runs as written up to the commands that need Epic", async () => {
  const block = publicSandboxBlock();
  // Everything before doctor (which calls Epic's token endpoint) and serve (which waits for patients) runs here,
  // in an empty folder, with `npx chartbridge` as the source checkout's binary and the placeholder filled in.
  // `directory add` checks the base with SMART discovery: a local SMART server stands in for Epic's (no internet).
  const smart = await startFakeSmartServer();
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const stopAt = lines.findIndex((line) => /chartbridge (doctor|serve)\b/.test(line));
  assert.ok(stopAt > 0, 'the block ends with doctor and serve');
  assert.match(lines.slice(stopAt).join('\n'), /chartbridge doctor[\s\S]*chartbridge serve --with-worker/);
  const script = lines
    .slice(0, stopAt)
    .join('\n')
    .replaceAll('npx chartbridge', `node ${cliPath}`)
    .replaceAll('<non-production client id>', 'public-sandbox-test-client')
    .replaceAll(`--fhir-base ${PUBLIC_SANDBOX}`, `--fhir-base ${smart.fhirBase} --allow-loopback`);
  assert.ok(script.includes(smart.fhirBase), 'the block adds the public sandbox to the directory');
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-epic-doc-'));
  try {
    const ran = await runBash(`${script}\nenv | grep '^CHARTBRIDGE_' | sort`, dir);
    assert.equal(ran.code, 0, ran.output);
    const env = Object.fromEntries(
      ran.output
        .split('\n')
        .filter((line) => line.startsWith('CHARTBRIDGE_'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.equal(env.CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD, 'public-sandbox-test-client');
    const search = await runCli(['directory', 'search', 'epic public sandbox', '--json'], {
      cwd: dir,
      env: { ...env, CHARTBRIDGE_DATABASE_URL: undefined },
    });
    assert.equal(search.code, 0, search.stderr);
    const [hit] = JSON.parse(search.stdout) as Array<{ name: string; fhirBase: string; vendor: string }>;
    assert.deepEqual(
      { name: hit?.name, fhirBase: hit?.fhirBase, vendor: hit?.vendor },
      { name: 'Epic public sandbox', fhirBase: smart.fhirBase, vendor: 'epic' },
    );
    // The two remaining commands exist with the flags the section uses.
    const serveHelp = await runCli(['serve', '--help']);
    assert.equal(serveHelp.code, 0);
    assert.match(serveHelp.stdout, /--with-worker/);
    assert.equal((await runCli(['doctor', '--help'])).code, 0);
  } finally {
    await smart.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
