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
}

/** Whether the granted scope string allows reading `resourceType` (SMART v1 `.read`/`.*`, v2 `.r`/`.rs`). */
export function allowsRead(scope: string, resourceType: string): boolean {
  return scope.split(/\s+/).some((item) => {
    const match = /^(patient|user)\/([A-Za-z*]+)\.(read|\*|c?r?u?d?s?)$/.exec(item);
    if (!match) return false;
    const [, , type, access] = match;
    if (type !== '*' && type !== resourceType) return false;
    return access === 'read' || access === '*' || access!.includes('r') || access!.includes('s');
  });
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
