import {
  coversCategorySearch,
  grantsAny,
  parseGrantedScopes,
  searchCoverage,
  tokenCode,
  type ResourceScope,
  type ScopeConstraint,
  type SearchCoverage,
} from '../smart/granted-scopes.ts';
import { patientReadScope } from '../smart/patient-scopes.ts';
import { buildQueryKey, type PlannedQuery, type QueryPlan, type SkippedQuery } from './query-plan.ts';
import { isWindowable, US_CORE_CATEGORIES } from './us-core-searches.ts';

/** The start of a skipped query's reason when the launch asked for it and the grant left it out. */
export const NOT_SHARED = 'not shared by the patient';

/** Whether a "not granted" query state was the patient's choice at consent (asked for, not granted). */
export function isNotShared(reason: string | null): boolean {
  return reason?.startsWith(NOT_SHARED) ?? false;
}

/**
 * Restricts a plan's candidate queries to the granted scopes (v1 or v2, granular ones too). A type searchable
 * only under granular scopes (`patient/Observation.rs?category=…|laboratory`) is searched by exactly those
 * constraints: a candidate of another category is skipped, a plain search of the type becomes one search per
 * granted constraint set, and the type's other US Core categories are reported as skipped. What a v2 launch asked
 * for (`requestedScope`) and the grant lacks is "not shared by the patient"; the rest "not granted".
 */
export function splitByScope(
  vendor: QueryPlan['vendor'],
  candidates: PlannedQuery[],
  scope: string,
  requestedScope?: string | null,
): QueryPlan {
  const granted = parseGrantedScopes(scope);
  const requested = requestedScope ? parseGrantedScopes(requestedScope) : [];
  const plan: QueryPlan = { vendor, queries: [], skipped: [] };
  const skippedKeys = new Set<string>();
  const skip = (query: Pick<SkippedQuery, 'key' | 'resourceType' | 'category'>) => {
    if (skippedKeys.has(query.key)) return;
    skippedKeys.add(query.key);
    const reason = skippedReason(requested, query.resourceType, query.category);
    plan.skipped.push({ key: query.key, resourceType: query.resourceType, category: query.category, reason });
  };
  for (const query of candidates) {
    const coverage: SearchCoverage = isRead(query)
      ? { kind: grantsAny(granted, query.resourceType) ? 'all' : 'none' }
      : searchCoverage(granted, query.resourceType);
    if (coverage.kind === 'all') plan.queries.push(query);
    else if (coverage.kind === 'none') skip(query);
    else if (query.category !== null) {
      if (coversCategorySearch(granted, query.resourceType, query.category)) plan.queries.push(query);
      else skip(query);
    } else {
      const narrowed = narrowToGrant(query, granted);
      plan.queries.push(...narrowed);
      const searched = new Set(narrowed.map((q) => q.category));
      for (const category of US_CORE_CATEGORIES[query.resourceType] ?? [])
        if (!searched.has(category))
          skip({
            key: buildQueryKey(query.resourceType, category),
            resourceType: query.resourceType,
            category,
          });
    }
  }
  return plan;
}

/** A read by id (the Patient), not a search: `Patient/{id}` has no query string. */
function isRead(query: PlannedQuery): boolean {
  return !query.path.includes('?');
}

/** One search per granular scope of the type, carrying its constraints exactly as granted. */
function narrowToGrant(query: PlannedQuery, granted: ResourceScope[]): PlannedQuery[] {
  const coverage = searchCoverage(granted, query.resourceType);
  if (coverage.kind !== 'some') return [];
  const seen = new Set<string>();
  const narrowed: PlannedQuery[] = [];
  for (const constraints of coverage.constraints) {
    const category = describeConstraints(constraints);
    const key = buildQueryKey(query.resourceType, category);
    if (seen.has(key)) continue;
    seen.add(key);
    const [path, search = ''] = query.path.split('?') as [string, string?];
    const params = new URLSearchParams(search);
    for (const { name, value } of constraints) params.append(name, value);
    narrowed.push({
      ...query,
      key,
      category,
      path: `${path}?${params.toString()}`,
      windowable: isWindowable(query.resourceType, category),
    });
  }
  return narrowed;
}

/** `laboratory` for one category constraint (the code, as the plan's category keys are); else `name=value&…`. */
function describeConstraints(constraints: ScopeConstraint[]): string {
  if (constraints.length === 1 && constraints[0]!.name === 'category')
    return tokenCode(constraints[0]!.value);
  return constraints.map(({ name, value }) => `${name}=${value}`).join('&');
}

function skippedReason(requested: ResourceScope[], type: string, category: string | null): string {
  // Consent by type and category is App Launch 2.0's: a v1 launch (Epic's default) keeps "not granted", where
  // the app's registered APIs rather than the patient decide.
  const v2 = requested.some((s) => s.version === 'v2');
  const asked = v2 && (coversCategorySearch(requested, type, category) || grantsAny(requested, type));
  const what = category === null ? type : `${type} (${category})`;
  if (asked) return `${NOT_SHARED}: the patient did not allow ${what} when they approved access`;
  return `not granted: the access token's scope does not include ${patientReadScope(type, v2 ? 'v2' : 'v1')}`;
}
