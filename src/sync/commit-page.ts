import { isChartbridgeError } from '../errors.ts';
import type { ResourceRecord } from '../store/resources-repository.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import type { SyncContext } from './sync-context.ts';

/**
 * One transaction holds at most this many resources or bytes of JSON: a page of 2,000 large resources is
 * written in several transactions with the event loop free in between, so the HTTP server keeps answering and
 * leases keep renewing while a big page lands (issue 14). The query's resume state rides with the last chunk,
 * so the checkpoint never points past a resource that is not stored; earlier chunks are idempotent upserts.
 */
const CHUNK_RESOURCES = 500;
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Stores one page and the query's new resume state. A busy or unreachable database rolls the chunk back; it is
 * retried with backoff (B24) and only then does the error end the run (retryable).
 */
export async function commitPage(
  ctx: SyncContext,
  resources: ResourceRecord[],
  state: SyncQueryStateRow | undefined,
): Promise<void> {
  const chunks = splitIntoChunks(resources);
  for (let i = 0; i < chunks.length; i += 1) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await commitChunk(ctx, chunks[i]!, i === chunks.length - 1 ? state : undefined);
  }
}

export function splitIntoChunks(resources: ResourceRecord[]): ResourceRecord[][] {
  const chunks: ResourceRecord[][] = [[]];
  let bytes = 0;
  for (const resource of resources) {
    const current = chunks[chunks.length - 1]!;
    if (
      current.length > 0 &&
      (current.length >= CHUNK_RESOURCES || bytes + resource.json.length > CHUNK_BYTES)
    ) {
      chunks.push([resource]);
      bytes = resource.json.length;
    } else {
      current.push(resource);
      bytes += resource.json.length;
    }
  }
  return chunks;
}

async function commitChunk(
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
