import { sql } from 'kysely';
import type { Store } from '../store/database.ts';

/**
 * Everything chartbridge wrote about background work, as one text for the secret-leak check: payloads and outputs
 * of every job (the `jobs` table on SQLite, pg-boss's `job` and `archive` tables on PostgreSQL) and the dead
 * letters. Payloads must carry ids only (docs/reliability-cases.md, the rule behind them all), so no token may appear here.
 */
export async function readJobPayloads(store: Store): Promise<string> {
  const deadLetters = await store.db.selectFrom('dead_letters').select(['data', 'reason']).execute();
  const jobs =
    store.dialect === 'sqlite'
      ? await store.db.selectFrom('jobs').select(['data', 'output']).execute()
      : await readPgBossJobs(store);
  return JSON.stringify({ jobs, deadLetters });
}

/** pg-boss's tables exist only once a queue has started on this database; none yet means no payloads yet. */
async function readPgBossJobs(store: Store): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (const table of ['job', 'archive']) {
    const exists = await sql<{ name: string | null }>`select to_regclass(${`pgboss.${table}`})::text as name`
      .execute(store.db)
      .then((result) => result.rows[0]?.name);
    if (!exists) continue;
    const result =
      await sql`select data::text as data, output::text as output from ${sql.table(`pgboss.${table}`)}`.execute(
        store.db,
      );
    rows.push(...result.rows);
  }
  return rows;
}
