import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { isReplaced } from './follow-up-queries.ts';
import type { PlannedQuery } from './query-plan.ts';

/**
 * The types a full run saw completely, so resources of them it did not see have vanished at the EHR. A type is
 * complete when every query that may bring it finished `done`: its own searches, those that include it
 * (`_revinclude=Provenance:target`), and `$everything`, which may bring any type — while it is unfinished nothing
 * is complete; once done, every type stored so far is. A query replaced by its follow-ups (a category fan-out,
 * `Patient?_id=`) does not count; its replacements do. Referenced types count only when the references phase ran.
 */
export function listCompleteTypes(input: {
  queries: PlannedQuery[];
  states: Map<string, SyncQueryStateRow>;
  /** Types the connection holds now (what `$everything` may have brought before). */
  storedTypes: string[];
  referenceTypes: string[];
  referencesDone: boolean;
}): string[] {
  const keys = new Set(input.queries.map((query) => query.key));
  const complete = new Map<string, boolean>();
  let anyType: boolean | undefined;
  for (const query of input.queries) {
    const state = input.states.get(query.key);
    if (state && isReplaced(state, keys)) continue;
    const ok = state?.status === 'done';
    for (const type of [query.resourceType, ...(query.also ?? [])]) {
      if (type === '*') anyType = (anyType ?? true) && ok;
      else complete.set(type, (complete.get(type) ?? true) && ok);
    }
  }
  if (anyType === false) return [];
  if (anyType) {
    for (const type of input.storedTypes) if (!complete.has(type)) complete.set(type, true);
  }
  const references = new Set(input.referenceTypes);
  return [...complete]
    .filter(([type, ok]) => ok && (!references.has(type) || input.referencesDone))
    .map(([type]) => type)
    .concat(input.referencesDone ? input.referenceTypes.filter((type) => !complete.has(type)) : [])
    .sort();
}
