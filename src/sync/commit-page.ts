import { isChartbridgeError } from '../errors.ts';
import type { ResourceRecord } from '../store/resources-repository.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import type { SyncContext } from './sync-context.ts';

/**
 * Stores one page and the query's new resume state in one transaction. A busy or unreachable database rolls
 * the page back; it is retried with backoff (B24) and only then does the error end the run (retryable).
 */
export async function commitPage(
  ctx: SyncContext,
  resources: ResourceRecord[],
  state: SyncQueryStateRow | undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ctx.repos.resources.ingestPage({
        connectionId: ctx.connectionId,
        runId: ctx.runId,
        now: ctx.clock.now(),
        resources,
        state,
        fence: ctx.fence,
      });
      return;
    } catch (error) {
      if (attempt >= ctx.limits.commitAttempts || isChartbridgeError(error, 'ERR_LEASE_LOST')) throw error;
      ctx.log.warn({ attempt, connectionId: ctx.connectionId }, 'page commit failed; retrying');
      await ctx.sleep(Math.min(100 * 2 ** attempt, 3000));
    }
  }
}
