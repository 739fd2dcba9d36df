import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface ErasedCounts {
  resources: number;
  binaries: number;
  runs: number;
}

/**
 * "Delete my data": everything chartbridge copied for one connection — resources, binaries, sync runs and their
 * query states — in one transaction. The connection row stays (revoked, without tokens) for the audit trail.
 *
 * Fenced against a sync in flight: the first statement voids the connection's sync lease (the fencing token moves
 * on and the lease expires), so every later page or binary commit of that sync fails its fence check and rolls
 * back, and a commit already in progress finishes before this transaction deletes (the lease row is locked on
 * PostgreSQL, the write lock is held on SQLite). No page lands after an erase.
 */
export async function eraseConnectionData(db: Kysely<Database>, connectionId: string): Promise<ErasedCounts> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('job_leases')
      .set({ fence: sql<number>`fence + 1`, expires_at: 0 })
      // The key src/jobs/run-job.ts (`leaseKeyFor('sync', id)`) and the CLI's manual sync hold.
      .where('key', '=', `sync:${connectionId}`)
      .execute();
    const runIds = trx.selectFrom('sync_runs').select('id').where('connection_id', '=', connectionId);
    await trx.deleteFrom('sync_query_states').where('run_id', 'in', runIds).execute();
    const runs = await trx
      .deleteFrom('sync_runs')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    const binaries = await trx
      .deleteFrom('binaries')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    const resources = await trx
      .deleteFrom('resources')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return {
      resources: Number(resources.numDeletedRows),
      binaries: Number(binaries.numDeletedRows),
      runs: Number(runs.numDeletedRows),
    };
  });
}

/**
 * Connections revoked (disconnected or erased) before `before` that still hold copied data: the revoked-data
 * retention's work list (CHARTBRIDGE_REVOKED_DATA_DAYS). `updated_at` is when the connection was revoked; any later
 * change to the row only moves its erasure later.
 */
export function listRevokedHoldingData(
  db: Kysely<Database>,
  before: number,
  limit: number,
): Promise<Array<{ id: string; user_id: string }>> {
  return db
    .selectFrom('connections as c')
    .select(['c.id', 'c.user_id'])
    .where('c.status', '=', 'revoked')
    .where('c.updated_at', '<', before)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb.selectFrom('resources as r').select('r.connection_id').whereRef('r.connection_id', '=', 'c.id'),
        ),
        eb.exists(
          eb.selectFrom('binaries as b').select('b.connection_id').whereRef('b.connection_id', '=', 'c.id'),
        ),
        eb.exists(
          eb.selectFrom('sync_runs as s').select('s.connection_id').whereRef('s.connection_id', '=', 'c.id'),
        ),
      ]),
    )
    .orderBy('c.updated_at')
    .limit(limit)
    .execute();
}
