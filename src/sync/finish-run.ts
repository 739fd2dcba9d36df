import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { addDrops, countDrops, listDrops, parseDrops, type DropCounts } from './drop-counts.ts';
import type { RunOutcome } from './execute-run.ts';
import type { SyncContext } from './sync-context.ts';

export interface SyncQuerySummary {
  key: string;
  resourceType: string;
  category: string | null;
  status: string;
  resources: number;
  pages: number;
  httpStatus: number | null;
  reason: string | null;
  warnings: string[];
  /** Entries (attachments, references) received but not stored, and why. */
  dropped: number;
  dropReasons: Array<{ reason: string; count: number }>;
}

export interface SyncSummary {
  runId: string;
  connectionId: string;
  status: RunOutcome['status'];
  reason: string | null;
  full: boolean;
  resumed: boolean;
  startedAt: number;
  finishedAt: number;
  /** Distinct resources this run stored or confirmed (searches and references). */
  resources: number;
  pages: number;
  bytes: number;
  queries: SyncQuerySummary[];
  warnings: string[];
  /** Everything received but not stored in this run, all queries and phases together, by reason. */
  dropped: number;
  dropReasons: Array<{ reason: string; count: number }>;
}

/** Records the run's outcome with per-query counts and warnings; a retryable run keeps its checkpoint. */
export async function finishRun(
  ctx: SyncContext,
  outcome: RunOutcome,
  resumed: boolean,
): Promise<SyncSummary> {
  const states = await ctx.repos.runs.listQueryStates(ctx.runId);
  const run = await ctx.repos.runs.findRun(ctx.runId);
  const queries = states.map(toQuerySummary);
  const searches = queries.filter((q) => !q.key.startsWith('~'));
  const now = ctx.clock.now();
  const drops: DropCounts = {};
  for (const state of states) addDrops(drops, parseDrops(state.drop_reasons));
  const summary: SyncSummary = {
    runId: ctx.runId,
    connectionId: ctx.connectionId,
    status: outcome.status,
    reason: outcome.reason,
    full: ctx.full,
    resumed,
    startedAt: run?.started_at ?? now,
    finishedAt: now,
    resources: await ctx.repos.resources.countInRun(ctx.connectionId, ctx.runId),
    pages: searches.reduce((n, q) => n + q.pages, 0),
    bytes: states.reduce((n, s) => n + Number(s.bytes), 0),
    queries,
    warnings: ctx.warnings,
    dropped: countDrops(drops),
    dropReasons: listDrops(drops),
  };
  const errors = queries.filter((q) => q.status === 'failed').map((q) => `${q.key}: ${q.reason}`);
  await ctx.repos.runs.updateRun(ctx.runId, {
    status: outcome.status,
    reason: outcome.reason,
    finished_at: outcome.status === 'retryable' ? null : now,
    queries: JSON.stringify(queries.map(({ warnings: _w, ...rest }) => rest)),
    warnings: JSON.stringify([
      ...ctx.warnings,
      ...queries.flatMap((q) => q.warnings.map((w) => `${q.key}: ${w}`)),
    ]),
    errors: JSON.stringify(outcome.reason && errors.length === 0 ? [outcome.reason] : errors),
    pages: summary.pages,
    bytes: summary.bytes,
    resources: summary.resources,
    dropped: summary.dropped,
  });
  if (outcome.status === 'succeeded' || outcome.status === 'partial')
    await ctx.repos.runs.recordLastSync(ctx.connectionId, now);
  return summary;
}

function toQuerySummary(s: SyncQueryStateRow): SyncQuerySummary {
  return {
    key: s.query_key,
    resourceType: s.resource_type,
    category: s.category,
    status: s.status,
    resources: Number(s.resources),
    pages: Number(s.pages),
    httpStatus: s.http_status,
    reason: s.reason,
    warnings: JSON.parse(s.warnings) as string[],
    dropped: Number(s.dropped),
    dropReasons: listDrops(parseDrops(s.drop_reasons)),
  };
}
