import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { asksForCategory, categoryKeys, fanOutByCategory } from './category-fan-out.ts';
import { buildQueryKey, type PlannedQuery, type QueryPlan } from './query-plan.ts';
import type { SyncContext } from './sync-context.ts';

export const EVERYTHING_KEY = buildQueryKey('Patient', '$everything');
const PATIENT_SEARCH_KEY = buildQueryKey('Patient', '_id');
const FINISHED = new Set(['done', 'not_available', 'failed']);

/**
 * The queries that only the answers so far can call for: a plain search the server rejected for want of a
 * category, fanned out by US Core categories; `Patient?_id=` when the Patient read was refused; after
 * `Patient/$everything`, the searches of the types it lacked. Derived from the stored query states alone, so a
 * resumed run plans the same follow-ups (those already started are always kept).
 */
export async function planFollowUps(
  ctx: SyncContext,
  plan: QueryPlan,
  asked: PlannedQuery[],
  states: Map<string, SyncQueryStateRow>,
  patientId: string,
): Promise<PlannedQuery[]> {
  const options = { patientId, count: String(ctx.limits.pageSize) };
  const next: PlannedQuery[] = [];
  for (const query of asked) {
    const state = states.get(query.key);
    if (!state) continue;
    next.push(...fanOutByCategory(query, state, options));
    if (query.key === 'Patient' && state.status === 'not_available') next.push(patientSearch(patientId));
  }
  next.push(...(await planAfterEverything(ctx, plan, states)));
  const known = new Set(asked.map((query) => query.key));
  return next.filter((query) => !known.has(query.key) && (known.add(query.key), true));
}

/** After `$everything` finished: every later search if it did not complete, else those of the types it lacked. */
async function planAfterEverything(
  ctx: SyncContext,
  plan: QueryPlan,
  states: Map<string, SyncQueryStateRow>,
): Promise<PlannedQuery[]> {
  const later = plan.afterEverything ?? [];
  if (later.length === 0) return [];
  const everything = plan.queries.some((query) => query.key === EVERYTHING_KEY)
    ? states.get(EVERYTHING_KEY)?.status
    : 'not_granted';
  if (!FINISHED.has(everything ?? '') && everything !== 'not_granted') return [];
  if (everything !== 'done') return later;
  const wanted: PlannedQuery[] = [];
  for (const query of later) {
    if (states.has(query.key) || !(await storedInRun(ctx, query.resourceType))) wanted.push(query);
  }
  return wanted;
}

async function storedInRun(ctx: SyncContext, resourceType: string): Promise<boolean> {
  const rows = await ctx.repos.resources.list(ctx.connectionId, {
    types: [resourceType],
    runId: ctx.runId,
    limit: 1,
  });
  return rows.length > 0;
}

/** Some servers refuse `Patient/{id}` (403/404) yet answer the search for the same patient. */
function patientSearch(patientId: string): PlannedQuery {
  return {
    key: PATIENT_SEARCH_KEY,
    resourceType: 'Patient',
    category: '_id',
    path: `Patient?${new URLSearchParams({ _id: patientId }).toString()}`,
    incremental: false,
  };
}

/** Whether a query's answer was replaced by its follow-ups (coverage shows those instead of the rejection). */
export function isReplaced(state: SyncQueryStateRow, keys: Set<string>): boolean {
  if (state.status !== 'not_available') return false;
  if (state.query_key === 'Patient') return keys.has(PATIENT_SEARCH_KEY);
  return (
    state.category === null &&
    asksForCategory(state) &&
    categoryKeys(state.resource_type).some((key) => keys.has(key))
  );
}
