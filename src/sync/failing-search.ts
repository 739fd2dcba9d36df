import { isChartbridgeError } from '../errors.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import type { PlannedQuery } from './query-plan.ts';
import { addWarning, type SyncContext } from './sync-context.ts';

/**
 * Some servers list a type they cannot search and answer its search 500 every time (REAL-WORLD.md: e.g.
 * MedicationStatement). A search whose first page still fails after the client's retries, while the same server
 * has answered another query of this run, is recorded *not available* and the run goes on; the next sync asks
 * again. Anything else — a failure mid-paging, or a server that has answered nothing yet — stays the run's
 * trouble (`retryable`, resumed from its checkpoint). Returns the final state, or undefined to rethrow.
 */
export async function giveUpOnFailingSearch(
  ctx: SyncContext,
  query: PlannedQuery,
  start: SyncQueryStateRow,
  states: Map<string, SyncQueryStateRow>,
  error: unknown,
): Promise<SyncQueryStateRow | undefined> {
  if (!isChartbridgeError(error, 'ERR_FHIR_RETRYABLE')) return undefined;
  const answered = [...states.values()].some((s) => s.status === 'done' && !s.query_key.startsWith('~'));
  if (!answered) return undefined;
  // Pages of this query may have been committed before the failure: then it is not a search the server lacks.
  const stored = (await ctx.repos.runs.listQueryStates(ctx.runId)).find((s) => s.query_key === query.key);
  const latest = stored ?? start;
  if (latest.pages > 0 || latest.next_url !== null) return undefined;
  const state: SyncQueryStateRow = {
    ...latest,
    status: 'not_available',
    reason:
      'not available: the server kept failing this search (5xx after retries); the next sync asks again',
    updated_at: ctx.clock.now(),
  };
  await ctx.repos.runs.saveQueryState(state);
  addWarning(ctx, `${query.key}: the server kept failing this search; the rest of the sync continues`);
  return state;
}
