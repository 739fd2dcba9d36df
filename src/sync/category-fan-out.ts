import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { includeProvenance, type PlannedQuery } from './query-plan.ts';
import { buildCategoryQuery, US_CORE_CATEGORIES, type SearchOptions } from './us-core-searches.ts';

/**
 * The server's words when it wants a category or a code: "Search for observation resource must have 'code' or
 * 'category'", Epic's 59108 "Either a code or a category is required", 59159 "A category is required", HAPI's
 * "Does not know how to handle get operation with parameter [patient,_count]".
 */
const ASKS_FOR_CATEGORY = [
  /\bcategory\b/i,
  /\bcode\b.*\brequired\b/i,
  /must have .*\bcode\b/i,
  /handle get operation/i,
];

/** Whether a query's end state is a 400 whose words ask for a category or a code. */
export function asksForCategory(
  state: Pick<SyncQueryStateRow, 'status' | 'http_status' | 'reason'>,
): boolean {
  if (state.status !== 'not_available' || state.http_status !== 400 || !state.reason) return false;
  return ASKS_FOR_CATEGORY.some((pattern) => pattern.test(state.reason!));
}

/** The category searches that stand in for a plain search of `resourceType` (none for types without a table). */
export function categoryKeys(resourceType: string): string[] {
  return (US_CORE_CATEGORIES[resourceType] ?? []).map((category) => `${resourceType}:${category}`);
}

/**
 * The same type searched by each US Core category, when a plain search (no category of its own) was rejected
 * with words that ask for one; otherwise nothing. Provenance stays included if the plain search included it.
 */
export function fanOutByCategory(
  query: PlannedQuery,
  state: SyncQueryStateRow,
  options: SearchOptions,
): PlannedQuery[] {
  if (query.category !== null || !asksForCategory(state)) return [];
  const provenance = query.also?.includes('Provenance') ?? false;
  return (US_CORE_CATEGORIES[query.resourceType] ?? []).map((category) => {
    const fanned = {
      ...buildCategoryQuery(query.resourceType, category, options),
      incremental: query.incremental,
    };
    return provenance ? includeProvenance(fanned) : fanned;
  });
}
