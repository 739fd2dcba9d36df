import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * "Delete my data": everything chartbridge copied for one connection — resources, binaries, sync runs and their
 * query states — in one transaction. The connection row stays (revoked, without tokens) for the audit trail.
 */
export async function eraseConnectionData(db: Kysely<Database>, connectionId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const runIds = trx.selectFrom('sync_runs').select('id').where('connection_id', '=', connectionId);
    await trx.deleteFrom('sync_query_states').where('run_id', 'in', runIds).execute();
    await trx.deleteFrom('sync_runs').where('connection_id', '=', connectionId).execute();
    await trx.deleteFrom('binaries').where('connection_id', '=', connectionId).execute();
    const deleted = await trx
      .deleteFrom('resources')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}
