import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryFixturesDir } from '../sandbox/fixtures-dir.ts';
import { runCli } from '../testing/run-cli.ts';

test('directory import, search, stats and bad input through the real binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-directory-cli-'));
  const env = {
    CHARTBRIDGE_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    CHARTBRIDGE_DIRECTORY_URL: undefined,
  };
  try {
    const imported = await runCli(
      ['directory', 'import', join(directoryFixturesDir, 'epic-brands-derived-2021.json'), '--json'],
      { env },
    );
    assert.equal(imported.code, 0, imported.stderr);
    const report = JSON.parse(imported.stdout);
    assert.deepEqual(
      [report.source, report.counts.organizations, report.counts.endpoints],
      ['epic-brands', 265, 254],
    );

    const search = await runCli(['directory', 'search', 'childrens', 'colorado', '--limit', '1'], { env });
    assert.equal(search.code, 0, search.stderr);
    assert.match(
      search.stdout,
      /^org_[\w-]{22} {2}Children's Hospital Colorado {2}https:\/\/fhir\.childrenscolorado\.org\/fhirprd\/api\/FHIR\/R4\n$/,
    );

    const stats = await runCli(['directory', 'stats', '--json'], { env });
    assert.deepEqual(JSON.parse(stats.stdout).endpoints, { active: 254 });

    const notBundle = join(dir, 'patient.json');
    writeFileSync(notBundle, '{"resourceType":"Patient","id":"p"}');
    const usage: Array<[string[], number, string]> = [
      [
        ['directory', 'import', notBundle],
        1,
        "chartbridge: the directory file is not a FHIR Bundle (found 'Patient')\n",
      ],
      [
        ['directory', 'import', join(dir, 'missing.json')],
        2,
        `chartbridge: cannot read '${join(dir, 'missing.json')}': give a directory file or an https url\n`,
      ],
      [
        ['directory', 'import', 'http://example.org/brands.json'],
        2,
        'chartbridge: the directory url must use https (got http)\n',
      ],
      [
        ['directory', 'search', 'x', '--limit', 'abc'],
        2,
        'chartbridge: invalid --limit: expected a whole number\n',
      ],
      [
        ['directory', 'update'],
        2,
        'chartbridge: no directory url: set CHARTBRIDGE_DIRECTORY_URL or pass --url\n',
      ],
      [
        ['directory', 'import', 'a.json', '--source', 'Bad Name'],
        2,
        "chartbridge: invalid --source: use 1-63 lower-case letters, digits, '.', '_' or '-'\n",
      ],
    ];
    for (const [args, code, stderr] of usage) {
      const result = await runCli(args, { env });
      assert.deepEqual([result.code, result.stderr], [code, stderr], args.join(' '));
    }
    const unknown = await runCli(['directory', 'search', 'x', '--bogus'], { env });
    assert.equal(unknown.code, 2);
    const help = await runCli(['directory', 'add', '--help'], { env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--fhir-base <url>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
