import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface RefreshCandidate {
  id: string;
  token_version: number;
  access_expires_at: number;
}

export interface UnscheduledSync {
  id: string;
  /** The last sync, or the connection's creation when it never synced. */
  base_at: number;
  /** Never synced yet (its first sync is due now). */
  never_synced: boolean;
}

/** A schedule row whose job is due, with what the release needs to know of its connection now. */
export interface WaitingJob {
  connection_id: string;
  next_at: number;
  /** The token version a refresh was planned for (null for syncs). */
  token_version: number | null;
  /** False when the connection is no longer active, or its tokens changed since the plan: nothing to queue. */
  current: boolean;
}

export interface ScheduleRepository {
  /**
   * Active, refreshable connections whose access token expires before `dueBefore` and that have no refresh planned
   * for their current token version (or whose plan was queued before `stalePlanBefore` and never ran), by expiry
   * and id; `after` continues past the last one of the previous batch.
   */
  listRefreshDue(
    dueBefore: number,
    stalePlanBefore: number,
    limit: number,
    after?: { accessExpiresAt: number; id: string },
  ): Promise<RefreshCandidate[]>;
  /** Stores each refresh's planned start for its token version, waiting to be queued (one statement a batch). */
  saveRefreshPlans(
    plans: Array<{ connectionId: string; tokenVersion: number; startAt: number }>,
  ): Promise<void>;
  /** Records that these refresh plans are in the queue (only plans still for that token version and waiting). */
  markRefreshesQueued(
    plans: Array<{ connectionId: string; tokenVersion: number }>,
    at: number,
  ): Promise<void>;
  /** Active connections without a re-sync schedule yet, by id (after `afterId`, the previous batch's last). */
  listSyncUnscheduled(limit: number, afterId?: string): Promise<UnscheduledSync[]>;
  /** Waiting schedule rows of one kind due before `dueBefore`, earliest first. */
  listWaiting(name: 'refresh' | 'sync', dueBefore: number, limit: number): Promise<WaitingJob[]>;
  countWaiting(name: 'refresh' | 'sync', dueBefore: number): Promise<number>;
  /**
   * Moves each connection's next re-sync time by compare-and-swap (`previous` null: no schedule row yet), so two
   * schedulers never plan the same period twice. One statement per batch; returns the ids this call moved.
   */
  advanceSyncs(
    moves: Array<{ connectionId: string; previous: number | null; next: number }>,
  ): Promise<Set<string>>;
  /** Deletes these rows of one kind unless another scheduler changed them since (`nextAt` is the one read). */
  dropWaiting(name: 'refresh' | 'sync', rows: Array<{ connectionId: string; nextAt: number }>): Promise<void>;
}

/** The scheduler's queries: which connections need a refresh or a re-sync, made idempotent by rows. */
export function createScheduleRepository(db: Kysely<Database>): ScheduleRepository {
  return {
    async listRefreshDue(dueBefore, stalePlanBefore, limit, after) {
      let query = db
        .selectFrom('connections as c')
        .select(['c.id', 'c.token_version', 'c.access_expires_at'])
        .where('c.status', '=', 'active')
        .where('c.refreshable', '=', 1)
        .where('c.refresh_token_sealed', 'is not', null)
        .where('c.access_expires_at', 'is not', null)
        .where('c.access_expires_at', '<=', dueBefore)
        // "No live plan for this token": a correlated primary-key lookup, not a join. With a join, PostgreSQL's
        // statistics from before the refresh rows existed ("job_schedules has no refresh rows") made it scan the
        // whole table once per connection: 11 s a batch at 100,000 connections (bench:schedule).
        .where(
          (eb) =>
            eb
              .selectFrom('job_schedules as s')
              .select('s.token_version')
              .whereRef('s.connection_id', '=', 'c.id')
              .where('s.name', '=', 'refresh')
              .whereRef('s.token_version', '=', 'c.token_version')
              .where((inner) =>
                inner.or([inner('s.queued_at', 'is', null), inner('s.queued_at', '>=', stalePlanBefore)]),
              ),
          'is',
          null,
        );
      if (after)
        query = query.where((eb) =>
          eb(eb.refTuple('c.access_expires_at', 'c.id'), '>', eb.tuple(after.accessExpiresAt, after.id)),
        );
      const rows = await query.orderBy('c.access_expires_at').orderBy('c.id').limit(limit).execute();
      return rows.map((r) => ({ ...r, access_expires_at: r.access_expires_at ?? 0 }));
    },

    async saveRefreshPlans(plans) {
      if (plans.length === 0) return;
      await db
        .insertInto('job_schedules')
        .values(
          plans.map((p) => ({
            connection_id: p.connectionId,
            name: 'refresh',
            next_at: p.startAt,
            token_version: p.tokenVersion,
            queued_at: null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['connection_id', 'name']).doUpdateSet((eb) => ({
            next_at: eb.ref('excluded.next_at'),
            token_version: eb.ref('excluded.token_version'),
            queued_at: null,
          })),
        )
        .execute();
    },

    async markRefreshesQueued(plans, at) {
      if (plans.length === 0) return;
      const values = sql.join(plans.map((p) => sql`(${p.connectionId}, cast(${p.tokenVersion} as integer))`));
      await sql`
        with v(cid, version) as (values ${values})
        update job_schedules set queued_at = cast(${at} as bigint) from v
        where job_schedules.connection_id = v.cid and job_schedules.name = 'refresh'
          and job_schedules.token_version = v.version and job_schedules.queued_at is null`.execute(db);
    },

    async listSyncUnscheduled(limit, afterId) {
      let query = db
        .selectFrom('connections as c')
        .select(['c.id', 'c.last_sync_at', 'c.created_at'])
        .where('c.status', '=', 'active')
        // A primary-key lookup per connection, like listRefreshDue's, whatever the statistics say.
        .where(
          (eb) =>
            eb
              .selectFrom('job_schedules as s')
              .select('s.connection_id')
              .whereRef('s.connection_id', '=', 'c.id')
              .where('s.name', '=', 'sync'),
          'is',
          null,
        );
      if (afterId !== undefined) query = query.where('c.id', '>', afterId);
      const rows = await query.orderBy('c.id').limit(limit).execute();
      return rows.map((r) => ({
        id: r.id,
        base_at: r.last_sync_at ?? r.created_at,
        never_synced: r.last_sync_at === null,
      }));
    },

    async listWaiting(name, dueBefore, limit) {
      const rows = await db
        .selectFrom('job_schedules as s')
        .leftJoin('connections as c', 'c.id', 's.connection_id')
        .select([
          's.connection_id',
          's.next_at',
          's.token_version',
          'c.status',
          'c.token_version as current_version',
        ])
        .where('s.name', '=', name)
        .where('s.queued_at', 'is', null)
        .where('s.next_at', '<=', dueBefore)
        .orderBy('s.next_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        connection_id: r.connection_id,
        next_at: r.next_at,
        token_version: r.token_version,
        current: r.status === 'active' && (name === 'sync' || r.token_version === r.current_version),
      }));
    },

    async countWaiting(name, dueBefore) {
      const row = await db
        .selectFrom('job_schedules')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('name', '=', name)
        .where('queued_at', 'is', null)
        .where('next_at', '<=', dueBefore)
        .executeTakeFirstOrThrow();
      return Number(row.n);
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
              queued_at: null,
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

    async dropWaiting(name, rows) {
      if (rows.length === 0) return;
      const values = sql.join(rows.map((r) => sql`(${r.connectionId}, cast(${r.nextAt} as bigint))`));
      await sql`
        with v(cid, at) as (values ${values})
        delete from job_schedules
        where name = ${name} and queued_at is null
          and exists (select 1 from v where v.cid = job_schedules.connection_id and v.at = job_schedules.next_at)`.execute(
        db,
      );
    },
  };
}
