import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * PHI reads are audited (issue 14, point 5), so `audit_events` grows with every API call and page view:
 * `chartbridge audit` filters by time, connection and action, the retention job deletes by time, and the
 * re-authorisation burst alert counts one action in a recent window. Each needs its index.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema
    .createIndex('audit_events_connection_at')
    .on('audit_events')
    .columns(['connection_id', 'at'])
    .execute();
  await db.schema
    .createIndex('audit_events_action_at')
    .on('audit_events')
    .columns(['action', 'at'])
    .execute();
}
