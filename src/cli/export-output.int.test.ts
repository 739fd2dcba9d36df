import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runSync } from '../sync/run-sync.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runCli } from '../testing/run-cli.ts';

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('export --output: owner-only, never overwrites without --force', () => {
  let app: ConnectedApp;
  let connectionId: string;
  let dir: string;
  before(async () => {
    app = await startConnectedApp({ jobs: noJobs });
    connectionId = await app.connectPatient('export-user');
    await runSync({ services: app.services, connectionId });
    dir = mkdtempSync(join(tmpdir(), 'chartbridge-export-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  it('writes a new file 0600 (the default umask would give 0644)', async () => {
    const file = join(dir, 'record.ndjson');
    const result = await runCli(['export', connectionId, '--format', 'ndjson', '--output', file], {
      env: app.cliEnv,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(modeOf(file), '600');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.ok(lines.length > 10, `${lines.length} resources exported`);
    assert.match(
      result.stderr,
      new RegExp(`exported connection '${connectionId}' as ndjson \\(\\d+ bytes\\)`),
    );
  });

  it('refuses an existing file with one line and exit 2, leaving it untouched', async () => {
    const file = join(dir, 'existing.json');
    writeFileSync(file, 'keep me');
    const result = await runCli(['export', connectionId, '--format', 'bundle', '--output', file], {
      env: app.cliEnv,
    });
    assert.deepEqual(
      [result.code, result.stderr],
      [2, `chartbridge: output file '${file}' already exists; pass --force to overwrite it\n`],
    );
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
  });

  it('overwrites with --force and tightens the old mode to 0600', async () => {
    const file = join(dir, 'forced.json');
    writeFileSync(file, 'old contents that are longer than nothing');
    chmodSync(file, 0o644);
    const result = await runCli(['export', connectionId, '--format', 'bundle', '--output', file, '--force'], {
      env: app.cliEnv,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(modeOf(file), '600');
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { type: string }).type, 'collection');
  });
});
