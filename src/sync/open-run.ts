import { randomUUID } from 'node:crypto';
import type { SyncRunRow, SyncRunsRepository } from '../store/sync-runs-repository.ts';

/** Look back this far before the last successful sync for `_lastUpdated`, so clock skew loses nothing (B27). */
export const INCREMENTAL_OVERLAP_MS = 10 * 60_000;

export interface OpenedRun {
  run: SyncRunRow;
  resumed: boolean;
  /** Epoch ms for `_lastUpdated=gt…`, undefined on a full run. */
  since: number | undefined;
}

/**
 * Resumes the newest unfinished run of the connection (a killed or retryable sync) or starts a new one. A new
 * run is full when asked, or when no earlier run succeeded; otherwise incremental from the last success.
 */
export async function openRun(
  runs: SyncRunsRepository,
  connectionId: string,
  wantFull: boolean,
  now: number,
): Promise<OpenedRun> {
  const lastGood = await runs.findLatest(connectionId, ['succeeded', 'partial']);
  const resumable = await runs.findResumable(connectionId);
  if (resumable && (!wantFull || resumable.full === 1)) {
    await runs.updateRun(resumable.id, { status: 'running', reason: null });
    return { run: { ...resumable, status: 'running' }, resumed: true, since: sinceFor(resumable, lastGood) };
  }
  if (resumable)
    await runs.updateRun(resumable.id, {
      status: 'cancelled',
      reason: 'superseded by a full sync',
      finished_at: now,
    });
  const full = wantFull || lastGood === undefined;
  const run: SyncRunRow = {
    id: randomUUID(),
    connection_id: connectionId,
    status: 'running',
    reason: null,
    full: full ? 1 : 0,
    started_at: now,
    finished_at: null,
    queries: '[]',
    warnings: '[]',
    errors: '[]',
    checkpoint: null,
    pages: 0,
    bytes: 0,
    resources: 0,
    queries_total: 0,
    dropped: 0,
  };
  await runs.insertRun(run);
  return { run, resumed: false, since: sinceFor(run, lastGood) };
}

function sinceFor(run: SyncRunRow, lastGood: SyncRunRow | undefined): number | undefined {
  if (run.full === 1 || lastGood === undefined) return undefined;
  return Math.max(0, lastGood.started_at - INCREMENTAL_OVERLAP_MS);
}
