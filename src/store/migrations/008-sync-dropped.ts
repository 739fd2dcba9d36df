import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * No silent loss (issue 13): every entry a query received is either stored or counted here with its reason.
 * `dropped` and `drop_reasons` (JSON object: reason → count) per query and phase; `unavailable` counts reads the
 * server refused (a referenced resource's 403/404/500), which are reported but are not our loss. The run keeps
 * its total so lists can show it without reading every query.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('sync_query_states')
    .addColumn('dropped', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('sync_query_states')
    .addColumn('drop_reasons', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .alterTable('sync_query_states')
    .addColumn('unavailable', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('sync_runs')
    .addColumn('dropped', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
