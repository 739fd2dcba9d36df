import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SyncQueryStateTable, SyncRunTable } from './schema.ts';

export type SyncRunRow = Selectable<SyncRunTable>;
export type NewSyncRunRow = Insertable<SyncRunTable>;
export type SyncQueryStateRow = Selectable<SyncQueryStateTable>;

/** What a sync needs to know about a connection (its endpoint's vendor when the directory knows it). */
export interface SyncTarget {
  id: string;
  fhir_base: string;
  patient_id: string;
  /** Whose connection: audit rows written by the sync (`connection.needs_reauth`) name the user. */
  user_id: string;
  scope: string;
  /** What the launch asked for (null before migration 014): the sync tells unticked from never offered. */
  requested_scope: string | null;
  status: string;
  vendor: 'epic' | 'generic' | null;
  /** The directory's kind of endpoint (null for a connection whose endpoint is gone). */
  kind: 'provider' | 'payer' | null;
}

export interface SyncRunsRepository {
  findTarget(connectionId: string): Promise<SyncTarget | undefined>;
  insertRun(row: NewSyncRunRow): Promise<void>;
  findRun(id: string): Promise<SyncRunRow | undefined>;
  /** The newest run left `running` or `retryable` (a killed or interrupted sync) to resume. */
  findResumable(connectionId: string): Promise<SyncRunRow | undefined>;
  findLatest(connectionId: string, statuses: SyncRunRow['status'][]): Promise<SyncRunRow | undefined>;
  listRuns(connectionId: string, limit: number): Promise<SyncRunRow[]>;
  updateRun(id: string, fields: Updateable<SyncRunTable>): Promise<void>;
  listQueryStates(runId: string): Promise<SyncQueryStateRow[]>;
  saveQueryState(state: SyncQueryStateRow): Promise<void>;
  recordLastSync(connectionId: string, at: number): Promise<void>;
}

export function createSyncRunsRepository(db: Kysely<Database>): SyncRunsRepository {
  return {
    async findTarget(connectionId) {
      const row = await db
        .selectFrom('connections')
        .leftJoin('endpoints', 'endpoints.id', 'connections.endpoint_id')
        .select([
          'connections.id',
          'connections.fhir_base',
          'connections.patient_id',
          'connections.user_id',
          'connections.scope',
          'connections.requested_scope',
          'connections.status',
          'endpoints.vendor',
          'endpoints.kind',
        ])
        .where('connections.id', '=', connectionId)
        .executeTakeFirst();
      return row ? { ...row, vendor: row.vendor ?? null, kind: row.kind ?? null } : undefined;
    },
    async insertRun(row) {
      await db.insertInto('sync_runs').values(row).execute();
    },
    findRun(id) {
      return db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findResumable(connectionId) {
      return db
        .selectFrom('sync_runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('status', 'in', ['running', 'retryable'])
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    findLatest(connectionId, statuses) {
      return db
        .selectFrom('sync_runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('status', 'in', statuses)
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    listRuns(connectionId, limit) {
      return db
        .selectFrom('sync_runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('started_at', 'desc')
        .limit(limit)
        .execute();
    },
    async updateRun(id, fields) {
      await db.updateTable('sync_runs').set(fields).where('id', '=', id).execute();
    },
    listQueryStates(runId) {
      return db
        .selectFrom('sync_query_states')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('query_key')
        .execute();
    },
    saveQueryState: (state) => writeQueryState(db, state),
    async recordLastSync(connectionId, at) {
      await db.updateTable('connections').set({ last_sync_at: at }).where('id', '=', connectionId).execute();
    },
  };
}

/** Upserts one query's state; also called inside a page's transaction by the resources repository. */
export async function writeQueryState(db: Kysely<Database>, state: SyncQueryStateRow): Promise<void> {
  const { run_id: _r, query_key: _q, ...rest } = state;
  await db
    .insertInto('sync_query_states')
    .values(state)
    .onConflict((oc) => oc.columns(['run_id', 'query_key']).doUpdateSet(rest))
    .execute();
}
