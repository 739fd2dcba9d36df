import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { openStore } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';

for (const dialect of testDialects) {
  test(`two processes running 'chartbridge migrate' at once apply each migration once on ${dialect}`, async () => {
    const database = await createTestDatabase(dialect);
    try {
      const env = { CHARTBRIDGE_DATABASE_URL: database.url };
      const results = await Promise.all([runCli(['migrate'], { env }), runCli(['migrate'], { env })]);
      assert.deepEqual(
        results.map((r) => [r.code, r.stderr]),
        [
          [0, ''],
          [0, ''],
        ],
      );
      const outputs = results.map((r) => r.stdout.trim()).sort();
      const names = migrations.map((m) => m.name);
      assert.deepEqual(outputs, [
        `applied ${names.length} migration(s): ${names.join(', ')}`,
        'schema is up to date',
      ]);

      const store = openStore(database.url);
      try {
        assert.deepEqual(await migrateToLatest(store), []);
        await store.db.insertInto('users').values({ id: 'u1', created_at: 1_700_000_000_000 }).execute();
        const row = await store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
        assert.deepEqual(row, { id: 'u1', created_at: 1_700_000_000_000 });
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
}

test('a malformed database URL stops migrate with one line and exit code 2', async () => {
  const result = await runCli(['migrate'], { env: { CHARTBRIDGE_DATABASE_URL: 'mysql://x' } });
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    "chartbridge: invalid CHARTBRIDGE_DATABASE_URL: must start with 'sqlite:' or 'postgres://'\n",
  );
});
