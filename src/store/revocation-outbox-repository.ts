import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';

/** A revocation still owed to an EHR (migration 013). `token_sealed` is bound to `pending_revocations/<id>/token_sealed`. */
export interface PendingRevocationTable {
  id: string;
  connection_id: string;
  user_id: string;
  token_sealed: string;
  token_hint: 'refresh_token' | 'access_token';
  client_id: string;
  issuer: string;
  token_endpoint: string;
  revocation_endpoint: string;
  attempts: number;
  next_attempt_at: number;
  /** When the token dies by itself (persistent access end, or the access token's expiry): retrying stops. */
  gives_up_at: number;
  /** The error code of the last failed attempt (never a message from the EHR). */
  last_error: string | null;
  created_at: number;
}

export type PendingRevocationRow = Selectable<PendingRevocationTable>;

export interface RevocationOutboxRepository {
  insert(row: Insertable<PendingRevocationTable>): Promise<void>;
  /** Rows whose next attempt is due, oldest first. */
  listDue(now: number, limit: number): Promise<PendingRevocationRow[]>;
  /**
   * Compare-and-swap on `next_attempt_at`: the caller owns this attempt until `until` (another process skips the
   * row meanwhile). False when another process claimed it first.
   */
  claim(id: string, seenNextAttemptAt: number, until: number): Promise<boolean>;
  recordFailure(id: string, errorCode: string, nextAttemptAt: number): Promise<void>;
  delete(id: string): Promise<void>;
  listForConnection(connectionId: string): Promise<PendingRevocationRow[]>;
}

type OutboxDb = Kysely<Database & { pending_revocations: PendingRevocationTable }>;

export function createRevocationOutboxRepository(db: Kysely<Database>): RevocationOutboxRepository {
  const outbox = db.withTables<{ pending_revocations: PendingRevocationTable }>() as OutboxDb;
  return {
    async insert(row) {
      await outbox.insertInto('pending_revocations').values(row).execute();
    },
    listDue(now, limit) {
      return outbox
        .selectFrom('pending_revocations')
        .selectAll()
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
    },
    async claim(id, seenNextAttemptAt, until) {
      const result = await outbox
        .updateTable('pending_revocations')
        .set({ next_attempt_at: until })
        .where('id', '=', id)
        .where('next_attempt_at', '=', seenNextAttemptAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async recordFailure(id, errorCode, nextAttemptAt) {
      await outbox
        .updateTable('pending_revocations')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: errorCode,
          next_attempt_at: nextAttemptAt,
        }))
        .where('id', '=', id)
        .execute();
    },
    async delete(id) {
      await outbox.deleteFrom('pending_revocations').where('id', '=', id).execute();
    },
    listForConnection(connectionId) {
      return outbox
        .selectFrom('pending_revocations')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('created_at')
        .execute();
    },
  };
}
