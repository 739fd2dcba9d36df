import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * SMART App Launch 2.0 (issue 18). `endpoints.scope_version`: the grammar a launch asks in at this endpoint —
 * `v1`, `v2` or `auto`; null follows `CHARTBRIDGE_SCOPE_VERSION` and the vendor's default
 * (`directory add --scope-version`). `connections.requested_scope`: what the launch asked for, so a sync can tell
 * what the patient chose not to share (asked, not granted) from what the server never offered.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('endpoints').addColumn('scope_version', 'text').execute();
  await db.schema.alterTable('connections').addColumn('requested_scope', 'text').execute();
}
