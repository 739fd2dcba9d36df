import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Attachments that could not be fetched are rows too (issue 13, point 7), so nothing is dropped in silence and a
 * later sync can retry them: `source` is where the attachment lives relative to the FHIR base (`Binary/1`,
 * `document/pdf-1`; null for one outside the base, which is never fetched), `reason` says why it is not stored
 * (a few words, no url or id), `attempts` and `next_attempt_at` are its own backoff, and `attempt_run_id` keeps a
 * run from retrying what it already tried.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('binaries').addColumn('source', 'text').execute();
  await db.schema.alterTable('binaries').addColumn('reason', 'text').execute();
  await db.schema
    .alterTable('binaries')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('binaries').addColumn('next_attempt_at', 'bigint').execute();
  await db.schema.alterTable('binaries').addColumn('attempt_run_id', 'text').execute();
  await db.schema
    .createIndex('binaries_connection_status')
    .on('binaries')
    .columns(['connection_id', 'status'])
    .execute();
}
