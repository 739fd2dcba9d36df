import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.ts';

interface Row {
  what: string;
  args: string[];
  env?: Record<string, string>;
  code: number;
  stderr: (dir: string) => string;
}

const pgUrl = process.env.CHARTBRIDGE_TEST_PG_URL;

/** Every start-up, configuration and path mistake: one line naming the variable or path and the fix. */
const rows: Row[] = [
  {
    what: 'a database url of another kind',
    args: ['migrate'],
    env: { CHARTBRIDGE_DATABASE_URL: 'mysql://db.example/chartbridge' },
    code: 2,
    stderr: () => "invalid CHARTBRIDGE_DATABASE_URL: must start with 'sqlite:' or 'postgres://'",
  },
  {
    what: 'an unreachable postgresql server',
    args: ['migrate'],
    env: { CHARTBRIDGE_DATABASE_URL: 'postgres://postgres:secret-pw@127.0.0.1:9/chartbridge' },
    code: 1,
    stderr: () =>
      'cannot reach postgresql at 127.0.0.1:9 (CHARTBRIDGE_DATABASE_URL): ECONNREFUSED; start the server or fix the url',
  },
  {
    what: 'a sqlite path under a file',
    args: ['migrate'],
    env: { CHARTBRIDGE_DATABASE_URL: 'sqlite:a-file/chartbridge.db' },
    code: 2,
    stderr: (dir) =>
      `CHARTBRIDGE_DATABASE_URL: 'a-file' cannot be a folder because '${dir}/a-file' is a file; choose another path`,
  },
  {
    what: 'a sqlite path that is a folder',
    args: ['migrate'],
    env: { CHARTBRIDGE_DATABASE_URL: 'sqlite:a-folder' },
    code: 2,
    stderr: () =>
      "CHARTBRIDGE_DATABASE_URL: cannot open sqlite database 'a-folder' (SQLITE_CANTOPEN); give a file path in a writable folder",
  },
  {
    what: 'demo --data under a file',
    args: ['demo', '--data', 'a-file/data', '--port', '0', '--sandbox-port', '0'],
    code: 2,
    stderr: (dir) =>
      `--data: '${dir}/a-file/data' cannot be a folder because '${dir}/a-file' is a file; choose another path`,
  },
  {
    what: 'export --output into a missing folder',
    args: ['export', 'con_1', '--format', 'ndjson', '--output', 'missing/record.ndjson'],
    code: 2,
    stderr: () =>
      "--output 'missing/record.ndjson': folder 'missing' does not exist; create it first or choose another path",
  },
  {
    what: 'a port that is not a number',
    args: ['serve'],
    env: { PORT: 'eighty' },
    code: 2,
    stderr: () => 'invalid PORT: invalid input: expected number, received nan',
  },
  {
    what: 'an unknown redirect path',
    args: ['serve'],
    env: { CHARTBRIDGE_REDIRECT_PATH: '/oauth/callback' },
    code: 2,
    stderr: () => 'invalid CHARTBRIDGE_REDIRECT_PATH: must be /callback or /api/auth/smart/callback',
  },
  ...(pgUrl
    ? [
        {
          what: 'a postgresql database that does not exist',
          args: ['migrate'],
          env: { CHARTBRIDGE_DATABASE_URL: withDatabase(pgUrl, 'chartbridge_no_such_db') },
          code: 2,
          stderr: () =>
            `database 'chartbridge_no_such_db' in CHARTBRIDGE_DATABASE_URL does not exist on ${hostOf(pgUrl)}: create it (createdb chartbridge_no_such_db) or fix the url`,
        },
      ]
    : []),
];

test('start-up and path errors: one line, the exit code of the README (2 bad input, 1 runtime)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-errors-'));
  try {
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
    mkdirSync(join(dir, 'a-folder'));
    // Each row is its own process; they run side by side (none of them writes anything).
    const results = await Promise.all(
      rows.map((row) =>
        runCli(row.args, {
          cwd: dir,
          env: { CHARTBRIDGE_DATABASE_URL: undefined, PORT: undefined, ...row.env },
        }),
      ),
    );
    rows.forEach((row, i) => {
      const result = results[i]!;
      assert.equal(result.stderr, `chartbridge: ${row.stderr(dir)}\n`, row.what);
      assert.equal(result.code, row.code, row.what);
      assert.doesNotMatch(result.stderr, /secret-pw/, `${row.what}: no password in the message`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}`;
}
