import type { Kysely } from 'kysely';
import type { NoticeTable } from './jobs-schema.ts';
import type { Database } from './schema.ts';

export interface NoticeCandidate {
  id: string;
  user_id: string;
  period_key: string;
  persistent_access_ends_at: number | null;
}

/** The notices the scheduler sends: which are due, and a row per (connection, kind, period) so each goes once. */
export interface NoticeRepository {
  listNeedsReauthWithoutNotice(limit: number): Promise<NoticeCandidate[]>;
  listAccessEndingWithoutNotice(from: number, until: number, limit: number): Promise<NoticeCandidate[]>;
  /** Records a notice once per (connection, kind, period); false when another process already sent it. */
  claimNotice(
    connectionId: string,
    kind: NoticeTable['kind'],
    periodKey: string,
    now: number,
  ): Promise<boolean>;
  setNoticeStatus(
    connectionId: string,
    kind: NoticeTable['kind'],
    periodKey: string,
    status: string,
  ): Promise<void>;
}

export function createNoticeRepository(db: Kysely<Database>): NoticeRepository {
  return {
    async listNeedsReauthWithoutNotice(limit) {
      const rows = await db
        .selectFrom('connections as c')
        .select(['c.id', 'c.user_id', 'c.updated_at', 'c.persistent_access_ends_at'])
        .where('c.status', '=', 'needs_reauth')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('notices as n')
                .select('n.connection_id')
                .whereRef('n.connection_id', '=', 'c.id')
                .where('n.kind', '=', 'needs_reauth')
                .whereRef('n.period_key', '=', (eb) => eb.cast('c.updated_at', 'text')),
            ),
          ),
        )
        .limit(limit)
        .execute();
      // One notice per stretch of needs_reauth: the key is when the status last changed.
      return rows.map((r) => ({ ...r, period_key: String(r.updated_at) }));
    },

    async listAccessEndingWithoutNotice(from, until, limit) {
      const rows = await db
        .selectFrom('connections as c')
        .select(['c.id', 'c.user_id', 'c.persistent_access_ends_at'])
        .where('c.status', '=', 'active')
        .where('c.persistent_access_ends_at', '>', from)
        .where('c.persistent_access_ends_at', '<=', until)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('notices as n')
                .select('n.connection_id')
                .whereRef('n.connection_id', '=', 'c.id')
                .where('n.kind', '=', 'access_ending')
                .whereRef('n.period_key', '=', (eb) => eb.cast('c.persistent_access_ends_at', 'text')),
            ),
          ),
        )
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, period_key: String(r.persistent_access_ends_at) }));
    },

    async claimNotice(connectionId, kind, periodKey, now) {
      const inserted = await db
        .insertInto('notices')
        .values({
          connection_id: connectionId,
          kind,
          period_key: periodKey,
          sent_at: now,
          webhook_status: 'pending',
        })
        .onConflict((oc) => oc.columns(['connection_id', 'kind', 'period_key']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async setNoticeStatus(connectionId, kind, periodKey, status) {
      await db
        .updateTable('notices')
        .set({ webhook_status: status })
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .where('period_key', '=', periodKey)
        .execute();
    },
  };
}
