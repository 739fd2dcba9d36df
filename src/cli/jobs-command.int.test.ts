import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';

for (const dialect of testDialects) {
  test(`jobs stats and jobs failed on an empty ${dialect} database`, async () => {
    const database = await createTestDatabase(dialect);
    try {
      const env = { CHARTBRIDGE_DATABASE_URL: database.url };
      const stats = await runCli(['jobs', 'stats', '--json'], { env });
      assert.equal(stats.code, 0, stats.stderr);
      assert.deepEqual(JSON.parse(stats.stdout), {
        queue: dialect === 'postgres' ? 'pg-boss' : 'table',
        jobs: [
          { name: 'refresh', queued: 0, active: 0 },
          { name: 'sync', queued: 0, active: 0 },
        ],
        failed: 0,
      });
      const failed = await runCli(['jobs', 'failed'], { env });
      assert.deepEqual([failed.code, failed.stdout, failed.stderr], [0, 'no failed jobs\n', '']);
    } finally {
      await database.drop();
    }
  });
}

test('worker and jobs refuse bad numbers with a usage error naming the flag', async () => {
  const cases: Array<[string[], string]> = [
    [
      ['worker', '--concurrency', 'x'],
      "chartbridge: invalid --concurrency 'x': expected a positive whole number\n",
    ],
    [
      ['worker', '--host-limit', '0'],
      "chartbridge: invalid --host-limit '0': expected a positive whole number\n",
    ],
    [
      ['jobs', 'failed', '--limit', '-3'],
      "chartbridge: invalid --limit '-3': expected a positive whole number\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli(args, { env: { CHARTBRIDGE_DATABASE_URL: 'sqlite::memory:' } });
    assert.deepEqual([result.code, result.stderr], [2, stderr], args.join(' '));
  }
  const help = await runCli(['worker', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--concurrency <n>/);
});
