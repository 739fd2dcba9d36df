import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEventTable, Database } from './schema.ts';

export type AuditRow = Selectable<AuditEventTable>;

export interface AuditEvent {
  actor: string;
  action: string;
  connectionId?: string | null;
  userId?: string | null;
  /** No PHI, no secrets: ids, codes, counts and reasons only. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditQuery {
  connectionId?: string;
  /** Events at or after this time (epoch ms). */
  since?: number;
  /** An exact action (`phi.export`), or a prefix ending in `*` (`phi.*`). */
  action?: string;
  /** The newest this many, returned oldest first. */
  limit: number;
}

export interface AuditRepository {
  record(event: AuditEvent, at: number): Promise<void>;
  listForConnection(connectionId: string): Promise<AuditRow[]>;
  listAll(): Promise<AuditRow[]>;
  query(filter: AuditQuery): Promise<AuditRow[]>;
  /** How many events of this action happened at or after `since` (the re-authorisation burst alert). */
  countSince(action: string, since: number): Promise<number>;
  /**
   * Retention (CHARTBRIDGE_AUDIT_RETENTION_DAYS): deletes the events older than `before` and returns how many.
   * The only delete of this table; nothing updates it.
   */
  deleteExpired(before: number): Promise<number>;
}

/** Append-only on purpose: no update, and no delete except the retention's `deleteExpired`. */
export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async record(event, at) {
      await db
        .insertInto('audit_events')
        .values({
          at,
          actor: event.actor,
          action: event.action,
          connection_id: event.connectionId ?? null,
          user_id: event.userId ?? null,
          detail: JSON.stringify(event.detail ?? {}),
        })
        .execute();
    },
    listForConnection(connectionId) {
      return db
        .selectFrom('audit_events')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('id')
        .execute();
    },
    listAll() {
      return db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    },
    async query(filter) {
      let query = db.selectFrom('audit_events').selectAll();
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
      if (filter.action?.endsWith('*')) {
        // A prefix: `_` and `%` are literal in action names, so they are escaped (SQLite needs the ESCAPE clause).
        const prefix = filter.action.slice(0, -1).replace(/[\\%_]/g, (ch) => `\\${ch}`);
        query = query.where(sql<boolean>`action like ${`${prefix}%`} escape '\\'`);
      } else if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.reverse();
    },
    async countSince(action, since) {
      const row = await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('action', '=', action)
        .where('at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteExpired(before) {
      const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
