import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Connect flow and vault additions: a launch remembers the discovery snapshot it started with (so the callback
 * uses only what the launch pinned, case 31) and the connection it produced (for the status page); a connection
 * counts failed refreshes and when to try again, so transient and operator failures back off instead of looping.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('launches').addColumn('discovery', 'text').execute();
  await db.schema.alterTable('launches').addColumn('connection_id', 'text').execute();
  await db.schema.alterTable('launches').addColumn('outcome', 'text').execute();
  await db.schema
    .alterTable('connections')
    .addColumn('refresh_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('connections').addColumn('refresh_retry_at', 'bigint').execute();
}
