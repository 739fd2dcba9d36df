import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { SyncRunRow } from './sync-runs-repository.ts';

const UNFINISHED = new Set<SyncRunRow['status']>(['queued', 'running', 'retryable']);

/**
 * The run a progress page follows: the one the patient started, not whatever ran last. That is the first run
 * after `afterRunId` (the newest run when "Update now" was pressed), or the connection's first run for the page
 * the connect flow opens; a marker run still going is itself followed. So an incremental sync the scheduler
 * queues seconds after the first one never takes over the page ("1 items so far").
 */
export async function findFollowedRun(
  db: Kysely<Database>,
  connectionId: string,
  afterRunId: string | undefined,
): Promise<SyncRunRow | undefined> {
  let query = db
    .selectFrom('sync_runs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('started_at', 'asc')
    .orderBy('id', 'asc')
    .limit(1);
  if (afterRunId !== undefined) {
    const marker = await db
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', afterRunId)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    if (marker && UNFINISHED.has(marker.status)) return marker;
    if (marker) query = query.where('started_at', '>', Number(marker.started_at));
  }
  return query.executeTakeFirst();
}
