import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Sync engine (issue 8). `resources.version_rank` is a sortable string (lastUpdated ms, then versionId) so one
 * upsert statement can keep the newest version without reading first. `sync_query_states` holds one row per
 * query of a run: its resume cursor, counts and outcome — written in the same transaction as the page it
 * describes, so a killed sync resumes exactly after the last committed page.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('resources')
    .addColumn('version_rank', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('resources_connection_fetched')
    .on('resources')
    .columns(['connection_id', 'fetched_at'])
    .execute();
  await db.schema
    .createIndex('binaries_connection_hash')
    .on('binaries')
    .columns(['connection_id', 'hash'])
    .execute();

  await db.schema
    .createTable('sync_query_states')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('query_key', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('next_url', 'text')
    .addColumn('resources', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('http_status', 'integer')
    .addColumn('reason', 'text')
    .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_query_states_pk', ['run_id', 'query_key'])
    .execute();
}
