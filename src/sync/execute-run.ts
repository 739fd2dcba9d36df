import type { SyncQueryStateRow, SyncTarget } from '../store/sync-runs-repository.ts';
import { describeAttachmentOutcome, fetchAttachments } from './attachments.ts';
import { buildPlan } from './build-plan.ts';
import { countDrops, describeDrops, parseDrops, type DropCounts } from './drop-counts.ts';
import type { PlannedQuery, QueryPlan } from './query-plan.ts';
import { TIMELINE_QUERY_KEYS } from './care-timeline.ts';
import { planFollowUps } from './follow-up-queries.ts';
import { chaseReferences, REFERENCE_TYPES } from './references.ts';
import { runPool } from './run-pool.ts';
import { createQueryState, runQuery } from './run-query.ts';
import { listCompleteTypes } from './vanished-types.ts';
import { runWindowedQuery } from './windowed-query.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';

export interface RunOutcome {
  status: 'succeeded' | 'partial' | 'failed' | 'retryable';
  reason: string | null;
}

/** Phases that are not searches keep their state under these keys, so a resumed run skips finished ones. */
export const REFERENCES_KEY = '~references';
export const ATTACHMENTS_KEY = '~attachments';
const FINISHED = new Set(['done', 'not_available', 'not_granted']);
/** Follow-ups of follow-ups: `$everything`, then a lacked type's search, then its category fan-out. */
const FOLLOW_UP_ROUNDS = 3;

/** The body of a run, from plan to vanished-resource removal; EHR trouble that ends the run throws. */
export async function executeRun(ctx: SyncContext, target: SyncTarget): Promise<RunOutcome> {
  const plan = await buildPlan(ctx.client, target, ctx.limits.pageSize);
  // Other processes show this run's progress from the database (sync/run-progress.ts).
  await ctx.repos.runs.updateRun(ctx.runId, { queries_total: plan.queries.length });
  const states = new Map((await ctx.repos.runs.listQueryStates(ctx.runId)).map((s) => [s.query_key, s]));
  for (const warning of plan.warnings ?? []) addWarning(ctx, warning);
  await recordNotGranted(ctx, plan, states);
  await runSearches(ctx, plan.queries, states, plan.queries.length);
  let queries = plan.queries;
  for (let round = 0; round < FOLLOW_UP_ROUNDS; round += 1) {
    const more = await planFollowUps(ctx, plan, queries, states, target.patient_id);
    if (more.length === 0) break;
    queries = [...queries, ...more];
    await ctx.repos.runs.updateRun(ctx.runId, { queries_total: queries.length });
    await runSearches(ctx, more, states, queries.length);
  }
  const searched = [...new Set(queries.flatMap((q) => [q.resourceType, ...(q.also ?? [])]))];
  // Encounters the searches did not bring (another facility's) are read, once the Encounter search worked.
  const encounters = queries.some(
    (q) => q.resourceType === 'Encounter' && states.get(q.key)?.status === 'done',
  );
  await runPhase(ctx, states, REFERENCES_KEY, async () => {
    const scanned = searched.includes('*') ? undefined : searched;
    const outcome = await chaseReferences(ctx, scanned, encounters ? ['Encounter'] : []);
    return {
      resources: outcome.fetched,
      reason: outcome.unavailable ? `${outcome.unavailable} reference read(s) not available` : null,
      unavailable: outcome.unavailable,
      dropped: outcome.dropped,
    };
  });
  await runPhase(ctx, states, ATTACHMENTS_KEY, async () => {
    const outcome = await fetchAttachments(ctx);
    // Attachments not fetched never hold the run up (later syncs retry them) but count as dropped: partial.
    const dropped: DropCounts = {};
    for (const [reason, count] of Object.entries(outcome.reasons))
      dropped[`attachments not fetched: ${reason}`] = count;
    return {
      resources: outcome.fetched,
      reason: describeAttachmentOutcome(outcome),
      unavailable: outcome.unavailable,
      dropped,
    };
  });
  reportProgress(ctx, { phase: 'finishing' });
  if (ctx.full) await removeVanished(ctx, queries, states);
  return decideOutcome(queries, states);
}

/**
 * `succeeded` means nothing was lost: any failed query, or any entry, reference or attachment received but not
 * stored, makes the run `partial` with the reason counted (issue 13); every query failed is `failed`.
 */
export function decideOutcome(queries: PlannedQuery[], states: Map<string, SyncQueryStateRow>): RunOutcome {
  const failed = queries.filter((q) => states.get(q.key)?.status === 'failed');
  const reasons: string[] = [];
  if (failed.length > 0)
    reasons.push(
      `${failed.length} of ${queries.length} queries failed: ${failed.map((q) => q.key).join(', ')}`,
    );
  const drops: DropCounts = {};
  for (const state of states.values()) {
    for (const [reason, count] of Object.entries(parseDrops(state.drop_reasons)))
      drops[reason] = (drops[reason] ?? 0) + count;
  }
  if (countDrops(drops) > 0) reasons.push(describeDrops(drops));
  if (reasons.length === 0) return { status: 'succeeded', reason: null };
  const allFailed = failed.length > 0 && failed.length === queries.length;
  return { status: allFailed ? 'failed' : 'partial', reason: reasons.join('; ') };
}

/** Every search of `queries` not finished yet, longest first; windowed ones wait for the care timeline. */
async function runSearches(
  ctx: SyncContext,
  queries: PlannedQuery[],
  states: Map<string, SyncQueryStateRow>,
  total: number,
): Promise<void> {
  const ordered = await orderLongestFirst(ctx, queries);
  const pending = queries.filter((q) => !FINISHED.has(states.get(q.key)?.status ?? ''));
  reportProgress(ctx, {
    queriesTotal: total,
    queriesDone: total - pending.length,
    resources: sum([...states.values()], 'resources'),
    pages: sum([...states.values()], 'pages'),
  });
  const source = TIMELINE_QUERY_KEYS.find((key) => pending.some((q) => q.key === key));
  ctx.timeline.watch(source === undefined ? [] : [source]);
  await runPool(ordered, ctx.limits.queryConcurrency, async (query) => {
    const prior = states.get(query.key);
    if (prior && FINISHED.has(prior.status)) return;
    const start = prior && prior.status === 'running' ? prior : createQueryState(ctx, query);
    const windowed = query.windowable && ctx.limits.dateWindows && (ctx.full || ctx.since === undefined);
    try {
      const run = windowed ? runWindowedQuery(ctx, query, start) : runQuery(ctx, query, start);
      states.set(query.key, await run);
    } finally {
      ctx.timeline.settle(query.key);
    }
    reportProgress(ctx, { queriesDone: ctx.progress.queriesDone + 1 });
  });
}

async function recordNotGranted(
  ctx: SyncContext,
  plan: QueryPlan,
  states: Map<string, SyncQueryStateRow>,
): Promise<void> {
  for (const skipped of plan.skipped) {
    if (states.has(skipped.key)) continue;
    const state: SyncQueryStateRow = {
      ...createQueryState(ctx, { ...skipped, path: '', incremental: false }),
      status: 'not_granted',
      reason: skipped.reason,
    };
    await ctx.repos.runs.saveQueryState(state);
    states.set(skipped.key, state);
  }
}

/** Types that usually run longest go first on a first sync (no page counts known yet). */
const USUALLY_LONG = ['Procedure', 'Immunization', 'MedicationRequest', 'Condition'];

/** The care timeline's searches first (windowed ones wait for them), then the windowed ones' first pages. */
function firstSyncRank(query: PlannedQuery): number {
  if (TIMELINE_QUERY_KEYS.includes(query.key)) return 60;
  if (query.windowable) return 50;
  const index = USUALLY_LONG.indexOf(query.resourceType);
  return index < 0 ? 0 : 40 - index;
}

/** Longest chains first (by the last good run's page counts): the run then ends when its longest query does. */
async function orderLongestFirst(ctx: SyncContext, queries: PlannedQuery[]): Promise<PlannedQuery[]> {
  const last = await ctx.repos.runs.findLatest(ctx.connectionId, ['succeeded', 'partial']);
  if (!last) return [...queries].sort((a, b) => firstSyncRank(b) - firstSyncRank(a));
  const pages = new Map((await ctx.repos.runs.listQueryStates(last.id)).map((s) => [s.query_key, s.pages]));
  // The timeline's searches still go first: windowed searches wait for them, and with few query lanes they
  // would otherwise hold every lane while the search they wait for never starts.
  const weight = (q: PlannedQuery) =>
    TIMELINE_QUERY_KEYS.includes(q.key) ? Number.MAX_SAFE_INTEGER : (pages.get(q.key) ?? 0);
  return [...queries].sort((a, b) => weight(b) - weight(a));
}

interface PhaseResult {
  resources: number;
  reason: string | null;
  /** Reads the server refused: reported, not our loss. */
  unavailable?: number;
  /** Received but not stored, by reason: makes the run partial. */
  dropped?: DropCounts;
}

async function runPhase(
  ctx: SyncContext,
  states: Map<string, SyncQueryStateRow>,
  key: string,
  work: () => Promise<PhaseResult>,
): Promise<void> {
  if (states.get(key)?.status === 'done') return;
  const result = await work();
  const dropped = result.dropped ?? {};
  const state: SyncQueryStateRow = {
    ...createQueryState(ctx, { key, resourceType: key, category: null, path: '', incremental: false }),
    status: 'done',
    resources: result.resources,
    reason: result.reason,
    unavailable: result.unavailable ?? 0,
    dropped: countDrops(dropped),
    drop_reasons: JSON.stringify(dropped),
  };
  await ctx.repos.runs.saveQueryState(state);
  states.set(key, state);
}

/** After a full run: types whose every query completed lose the resources the EHR no longer returns. */
async function removeVanished(
  ctx: SyncContext,
  queries: PlannedQuery[],
  states: Map<string, SyncQueryStateRow>,
): Promise<void> {
  const types = listCompleteTypes({
    queries,
    states,
    storedTypes: [...(await ctx.repos.resources.countByType(ctx.connectionId)).keys()],
    referenceTypes: REFERENCE_TYPES,
    referencesDone: states.get(REFERENCES_KEY)?.status === 'done',
  });
  const removed = await ctx.repos.resources.deleteVanished(ctx.connectionId, ctx.runId, types);
  if (removed > 0)
    ctx.log.info({ connectionId: ctx.connectionId, removed }, 'removed resources that vanished at the ehr');
}

function sum(states: SyncQueryStateRow[], field: 'resources' | 'pages'): number {
  return states.reduce((total, state) => total + Number(state[field]), 0);
}
