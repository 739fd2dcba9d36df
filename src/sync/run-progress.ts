import type { SyncQueryStateRow, SyncRunRow } from '../store/sync-runs-repository.ts';
import { ATTACHMENTS_KEY, REFERENCES_KEY } from './execute-run.ts';
import type { SyncProgress } from './sync-context.ts';

/** What a patient watching a sync is told (the progress page's server-sent events). */
export type SyncEvent =
  | { type: 'waiting' }
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'done'; status: string; heading: string; message: string };

const SETTLED = new Set(['done', 'not_available', 'failed']);

/**
 * A run's progress as any process can read it from the database: the plan's size on the run, and the counts each
 * query writes with its pages. (Searches split into date windows add their counts when the last window ends.)
 */
export function progressOf(run: SyncRunRow, states: SyncQueryStateRow[]): SyncProgress {
  const searches = states.filter((s) => !s.query_key.startsWith('~') && s.status !== 'not_granted');
  const phases = new Set(states.map((s) => s.query_key));
  let phase: SyncProgress['phase'] = 'queries';
  if (phases.has(REFERENCES_KEY)) phase = 'references';
  if (phases.has(ATTACHMENTS_KEY)) phase = 'attachments';
  return {
    phase,
    queriesDone: searches.filter((s) => SETTLED.has(s.status)).length,
    queriesTotal: run.queries_total,
    pages: searches.reduce((n, s) => n + s.pages, 0),
    // Searches and references; attachments are binaries, not items of the record.
    resources: states.filter((s) => s.query_key !== ATTACHMENTS_KEY).reduce((n, s) => n + s.resources, 0),
  };
}
