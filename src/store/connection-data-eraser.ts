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
