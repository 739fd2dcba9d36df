import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { rsaPem } from '../testing/test-keys.ts';
import { runCliListingModules } from '../testing/loaded-modules.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('chartbridge loads only the command it runs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chartbridge-lazy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help loads the command list and nothing else of chartbridge', async () => {
    const result = await runCliListingModules(['--help'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: chartbridge \[options\] \[command\]/);
    assert.match(result.stdout, /\n {2}directory {2,}endpoint directory: import, update/);
    assert.deepEqual(result.sources, [
      'cli/command-registry.ts',
      'cli/main.ts',
      'cli/program.ts',
      'errors.ts',
    ]);
  });

  it('--version prints the package version from the same few modules', async () => {
    const result = await runCliListingModules(['--version'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.deepEqual(result.sources, [
      'cli/command-registry.ts',
      'cli/main.ts',
      'cli/program.ts',
      'errors.ts',
    ]);
  });

  it('connections list on an empty SQLite database opens the store alone: no OAuth, JOSE, sync, jobs or sandbox', async () => {
    const result = await runCliListingModules(['connections', 'list'], {
      cwd: dir,
      env: {
        CHARTBRIDGE_DATABASE_URL: `sqlite:${join(dir, 'empty.db')}`,
        CHARTBRIDGE_PRIVATE_KEYS: rsaPem(),
        CHARTBRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'no connections\n');
    assert.ok(result.sources.includes('cli/connections-command.ts'));
    const foreign = result.sources.filter((path) =>
      /^(sandbox|http|web|portal|smart|keys|sync|jobs|fhir|directory|metrics)\/|^services\.ts$|^cli\/(?!connections)/.test(
        path,
      ),
    );
    assert.deepEqual(foreign, [
      'cli/cli-services.ts',
      'cli/command-registry.ts',
      // Next to a demo, operator commands take the demo's settings from its data folder.
      'cli/demo-settings.ts',
      'cli/main.ts',
      'cli/program.ts',
    ]);
    // The database, its query builder, the configuration's validator and the command line: no oauth4webapi,
    // jose, pg-boss, pino, prom-client or cli-progress (the full service set, built for refresh/sync/erase only).
    assert.deepEqual(result.packages, ['better-sqlite3', 'commander', 'kysely', 'zod']);
  });

  it('audit reads rows with the store alone, as connections list does', async () => {
    const result = await runCliListingModules(['audit', '--since', '1h'], {
      cwd: dir,
      env: {
        CHARTBRIDGE_DATABASE_URL: `sqlite:${join(dir, 'empty.db')}`,
        CHARTBRIDGE_PRIVATE_KEYS: rsaPem(),
        CHARTBRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'no audit events\n');
    assert.ok(result.sources.includes('cli/audit-command.ts'));
    assert.ok(!result.sources.includes('services.ts'));
    assert.deepEqual(result.packages, ['better-sqlite3', 'commander', 'kysely', 'zod']);
  });

  it('connections sync loads the service set the list leaves out (the check above can see it)', async () => {
    const result = await runCliListingModules(['connections', 'sync', 'no-such-connection'], {
      cwd: dir,
      env: {
        CHARTBRIDGE_DATABASE_URL: `sqlite:${join(dir, 'empty.db')}`,
        CHARTBRIDGE_PRIVATE_KEYS: rsaPem(),
        CHARTBRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /connection 'no-such-connection' not found/);
    for (const name of ['jose', 'oauth4webapi', 'pino', 'cli-progress'])
      assert.ok(result.packages.includes(name), `${name} in ${result.packages.join(' ')}`);
    assert.ok(result.sources.includes('sync/run-sync.ts'));
  });

  it('sandbox --help does load the sandbox (the check above can see it)', async () => {
    const result = await runCliListingModules(['sandbox', '--help'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.sources.includes('sandbox/sandbox.ts'), result.sources.join(' '));
  });

  it('an unknown command is refused with a suggestion from the command list', async () => {
    const result = await runCliListingModules(['conections', 'list'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      "error: unknown command 'conections'\n(Did you mean connections?)\n(run with --help for usage)\n",
    );
    assert.deepEqual(result.sources, [
      'cli/command-registry.ts',
      'cli/main.ts',
      'cli/program.ts',
      'errors.ts',
    ]);
  });
});
