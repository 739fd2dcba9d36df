import { sql, type Kysely } from 'kysely';
import type { NoticeTable } from './jobs-schema.ts';
import type { Database } from './schema.ts';

export interface RefreshCandidate {
  id: string;
  token_version: number;
  access_expires_at: number;
}

export interface SyncCandidate {
  id: string;
  next_at: number | null;
  base_at: number;
  /** Never synced yet (its first sync is due now). */
  never_synced: boolean;
}

export interface NoticeCandidate {
  id: string;
  user_id: string;
  period_key: string;
  persistent_access_ends_at: number | null;
}

export interface ScheduleRepository {
  /** Active, refreshable connections whose access token expires before `dueBefore` and that have no refresh
   *  planned for their current token version (or whose plan is older than `stalePlanBefore`). */
  listRefreshDue(dueBefore: number, stalePlanBefore: number, limit: number): Promise<RefreshCandidate[]>;
  /** Records that refreshes were planned for these token versions (one statement for the whole batch). */
  markRefreshesPlanned(
    plans: Array<{ connectionId: string; tokenVersion: number }>,
    at: number,
  ): Promise<void>;
  /** Active connections with no re-sync planned yet, or whose next re-sync is before `dueBefore`. */
  listSyncDue(dueBefore: number, limit: number): Promise<SyncCandidate[]>;
  /**
   * Moves each connection's next re-sync time by compare-and-swap (`previous` null: no schedule row yet), so two
   * schedulers never plan the same period twice. One statement per batch; returns the ids this call moved.
   */
  advanceSyncs(
    moves: Array<{ connectionId: string; previous: number | null; next: number }>,
  ): Promise<Set<string>>;
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

/** The scheduler's queries: which connections need a refresh, a re-sync or a notice, made idempotent by rows. */
export function createScheduleRepository(db: Kysely<Database>): ScheduleRepository {
  return {
    async listRefreshDue(dueBefore, stalePlanBefore, limit) {
      const rows = await db
        .selectFrom('connections as c')
        .leftJoin('job_schedules as s', (join) =>
          join.onRef('s.connection_id', '=', 'c.id').on('s.name', '=', 'refresh'),
        )
        .select(['c.id', 'c.token_version', 'c.access_expires_at'])
        .where('c.status', '=', 'active')
        .where('c.refreshable', '=', 1)
        .where('c.refresh_token_sealed', 'is not', null)
        .where('c.access_expires_at', 'is not', null)
        .where('c.access_expires_at', '<=', dueBefore)
        .where((eb) =>
          eb.or([
            eb('s.token_version', 'is', null),
            eb('s.token_version', '<>', eb.ref('c.token_version')),
            eb('s.next_at', '<', stalePlanBefore),
          ]),
        )
        .orderBy('c.access_expires_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, access_expires_at: r.access_expires_at ?? 0 }));
    },

    async markRefreshesPlanned(plans, at) {
      if (plans.length === 0) return;
      await db
        .insertInto('job_schedules')
        .values(
          plans.map((p) => ({
            connection_id: p.connectionId,
            name: 'refresh',
            next_at: at,
            token_version: p.tokenVersion,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['connection_id', 'name']).doUpdateSet((eb) => ({
            next_at: eb.ref('excluded.next_at'),
            token_version: eb.ref('excluded.token_version'),
          })),
        )
        .execute();
    },

    async listSyncDue(dueBefore, limit) {
      const rows = await db
        .selectFrom('connections as c')
        .leftJoin('job_schedules as s', (join) =>
          join.onRef('s.connection_id', '=', 'c.id').on('s.name', '=', 'sync'),
        )
        .select(['c.id', 's.next_at', 'c.last_sync_at', 'c.created_at'])
        .where('c.status', '=', 'active')
        .where((eb) => eb.or([eb('s.next_at', 'is', null), eb('s.next_at', '<=', dueBefore)]))
        .orderBy('c.id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        next_at: r.next_at,
        base_at: r.last_sync_at ?? r.created_at,
        never_synced: r.last_sync_at === null,
      }));
    },

    async advanceSyncs(moves) {
      const moved = new Set<string>();
      const first = moves.filter((m) => m.previous === null);
      if (first.length > 0) {
        const inserted = await db
          .insertInto('job_schedules')
          .values(
            first.map((m) => ({
              connection_id: m.connectionId,
              name: 'sync',
              next_at: m.next,
              token_version: null,
            })),
          )
          .onConflict((oc) => oc.columns(['connection_id', 'name']).doNothing())
          .returning('connection_id')
          .execute();
        for (const row of inserted) moved.add(row.connection_id);
      }
      const later = moves.filter((m) => m.previous !== null);
      if (later.length > 0) {
        // UPDATE … FROM a VALUES list named by a CTE: the same text on both databases (SQLite ≥ 3.33); the casts
        // type PostgreSQL's parameters.
        const values = sql.join(
          later.map(
            (m) => sql`(${m.connectionId}, cast(${m.previous} as bigint), cast(${m.next} as bigint))`,
          ),
        );
        const updated = await sql<{ connection_id: string }>`
          with v(cid, prev_at, new_at) as (values ${values})
          update job_schedules set next_at = v.new_at from v
          where job_schedules.connection_id = v.cid and job_schedules.name = 'sync'
            and job_schedules.next_at = v.prev_at
          returning connection_id`.execute(db);
        for (const row of updated.rows) moved.add(row.connection_id);
      }
      return moved;
    },

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
