import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createTestDatabase, testDialects } from '../testing/databases.ts';
import { openStore } from './database.ts';
import { migrations } from './migrations/index.ts';

for (const dialect of testDialects) {
  test(`migration 016 marks refresh plans made before it as queued, so they are not queued again (${dialect})`, async () => {
    const database = await createTestDatabase(dialect);
    const store = openStore(database.url);
    try {
      const at = migrations.findIndex((step) => step.name === '016-schedule-release');
      const db = store.db as unknown as Kysely<unknown>;
      for (const step of migrations.slice(0, at)) await step.up(db, dialect);
      // As the scheduler left them: a refresh planned (and queued) at its next_at, a re-sync's next period.
      await store.db
        .insertInto('job_schedules')
        .columns(['connection_id', 'name', 'next_at', 'token_version'])
        .values([
          { connection_id: 'c1', name: 'refresh', next_at: 1_000, token_version: 3 },
          { connection_id: 'c1', name: 'sync', next_at: 2_000, token_version: null },
        ])
        .execute();
      await migrations[at]!.up(db, dialect);
      const rows = await store.db
        .selectFrom('job_schedules')
        .select(['name', 'next_at', 'queued_at'])
        .orderBy('name')
        .execute();
      assert.deepEqual(
        rows.map((row) => [
          row.name,
          Number(row.next_at),
          row.queued_at === null ? null : Number(row.queued_at),
        ]),
        [
          ['refresh', 1_000, 1_000],
          ['sync', 2_000, null],
        ],
      );
    } finally {
      await store.close();
      await database.drop();
    }
  });
}
