import type { Kysely, Selectable } from 'kysely';
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

export interface AuditRepository {
  record(event: AuditEvent, at: number): Promise<void>;
  listForConnection(connectionId: string): Promise<AuditRow[]>;
  listAll(): Promise<AuditRow[]>;
}

/** Append-only: there is no update or delete here on purpose. */
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
  };
}
