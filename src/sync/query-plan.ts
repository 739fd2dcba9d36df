export { allowsRead } from '../smart/patient-scopes.ts';

/**
 * What a sync asks the EHR for. Each query is one search (or the Patient read) with a stable key; the runner
 * keeps per-query state under that key, and the coverage report speaks in the same keys.
 */
export interface PlannedQuery {
  /** Stable key, e.g. `Observation:laboratory`, `AllergyIntolerance`, `Patient`. */
  key: string;
  resourceType: string;
  category: string | null;
  /** Relative to the FHIR base, e.g. `Observation?patient=123&category=laboratory`. */
  path: string;
  /** Whether `_lastUpdated=gt…` may be added for an incremental sync. */
  incremental: boolean;
  /**
   * Whether a long chain may be split into parallel `date` windows: only where US Core makes the date mandatory
   * (laboratory and vital-signs Observations have effective[x] 1..1), since a dateless resource matches no window.
   */
  windowable?: boolean;
  /**
   * Types this query stores besides its own (`Provenance` for `_revinclude=Provenance:target`, `*` for
   * `$everything`): a type loses vanished resources only when every query that may bring it completed.
   */
  also?: string[];
}

export interface SkippedQuery {
  key: string;
  resourceType: string;
  category: string | null;
  reason: string;
}

export interface QueryPlan {
  vendor: 'epic' | 'generic';
  queries: PlannedQuery[];
  /** Queries of the catalogue the granted scopes do not allow: reported as "not granted". */
  skipped: SkippedQuery[];
  /**
   * With `Patient/$everything` in the plan: the per-type searches run after it, only for the types it lacked
   * (sync/follow-up-queries.ts).
   */
  afterEverything?: PlannedQuery[];
  /** How the plan was arrived at when the server's description fell short (a sync warning each). */
  warnings?: string[];
}

export function buildSearchPath(
  resourceType: string,
  patientId: string,
  params: Record<string, string>,
): string {
  const query = new URLSearchParams({ patient: patientId, ...params });
  return `${resourceType}?${query.toString()}`;
}

export function buildQueryKey(resourceType: string, category: string | null): string {
  return category === null ? resourceType : `${resourceType}:${category}`;
}

/** The same search with the Provenance of every match included (`_revinclude=Provenance:target`). */
/**
 * The Provenance whose target is the patient: the Patient is read by id, so no search's `_revinclude` brings it.
 * `Patient?_id=…&_revinclude=Provenance:target` does (US Core makes `_id` a Patient search parameter).
 */
export function patientProvenanceQuery(patientId: string): PlannedQuery {
  const query = new URLSearchParams({ _id: patientId, _revinclude: 'Provenance:target' });
  return {
    key: 'Provenance:Patient',
    resourceType: 'Provenance',
    category: 'Patient',
    path: `Patient?${query.toString()}`,
    incremental: false,
    also: ['Patient'],
  };
}

export function includeProvenance(query: PlannedQuery): PlannedQuery {
  const include = new URLSearchParams({ _revinclude: 'Provenance:target' }).toString();
  return { ...query, path: `${query.path}&${include}`, also: [...(query.also ?? []), 'Provenance'] };
}
