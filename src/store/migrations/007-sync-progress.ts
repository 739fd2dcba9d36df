import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * How many searches a run's plan holds, written once the plan is built. With the per-query states (counts written
 * with every page) it lets any process show a run's progress while a worker does the work: the patient's
 * progress page follows the first sync the connect flow queued instead of running a second one.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('sync_runs')
    .addColumn('queries_total', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
