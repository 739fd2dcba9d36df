import { PATIENT_SEARCH_TYPES } from '../fhir/us-core-types.ts';
import { buildQueryKey, buildSearchPath, type PlannedQuery } from './query-plan.ts';

/**
 * US Core's patient searches: what the generic plan asks when a server's CapabilityStatement cannot be read or
 * names no search parameters, and the categories a search is fanned out by when a server demands one.
 */

/** US Core 6.1 / USCDI v3 category codes per type, in the order they are searched. */
export const US_CORE_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Observation: [
    'laboratory',
    'vital-signs',
    'social-history',
    'survey',
    'exam',
    'imaging',
    'procedure',
    'therapy',
    'activity',
    'sdoh',
    'functional-status',
    'disability-status',
    'cognitive-status',
    'clinical-test',
    'care-experience-preference',
    'treatment-intervention-preference',
    'observation-adi-documentation',
  ],
  Condition: ['problem-list-item', 'encounter-diagnosis', 'health-concern'],
  // LAB (v2-0074) and the LOINC note kinds: radiology, cardiology, pathology.
  DiagnosticReport: ['LAB', 'LP29684-5', 'LP29708-2', 'LP7839-6'],
  DocumentReference: ['clinical-note'],
  // assess-plan is US Core's; longitudinal and encounter plans are Epic's SNOMED codes (docs/epic-facts.md §5).
  CarePlan: ['assess-plan', '38717003', '734163000'],
  // US Core's SDOH and status categories, then lab, imaging, counselling, education and surgical procedures.
  ServiceRequest: [
    'sdoh',
    'functional-status',
    'disability-status',
    'cognitive-status',
    '108252007',
    '363679005',
    '409063005',
    '409073007',
    '387713003',
  ],
};

/** US Core makes effective[x] mandatory for these Observation categories: safe to cut into date windows. */
const DATED_OBSERVATION_CATEGORIES = ['laboratory', 'vital-signs'];

export interface SearchOptions {
  patientId: string;
  /** `_count` asked for. */
  count: string;
}

/** `<Type>?patient=&category=` as one planned query (`Observation:laboratory`). */
export function buildCategoryQuery(type: string, category: string, options: SearchOptions): PlannedQuery {
  return {
    key: buildQueryKey(type, category),
    resourceType: type,
    category,
    path: buildSearchPath(type, options.patientId, { category, _count: options.count }),
    incremental: true,
    windowable: isWindowable(type, category),
  };
}

/** Whether a category search may be cut into date windows (US Core makes its date mandatory). */
export function isWindowable(type: string, category: string): boolean {
  return type === 'Observation' && DATED_OBSERVATION_CATEGORIES.includes(category);
}

/** `<Type>?patient=` for every US Core patient search type, or for those of `types` that US Core has. */
export function buildUsCoreSearches(options: SearchOptions, types?: readonly string[]): PlannedQuery[] {
  const wanted = types ? PATIENT_SEARCH_TYPES.filter((type) => types.includes(type)) : PATIENT_SEARCH_TYPES;
  return wanted.map((type) => ({
    key: buildQueryKey(type, null),
    resourceType: type,
    category: null,
    path: buildSearchPath(type, options.patientId, { _count: options.count }),
    // Without a CapabilityStatement nobody said `_lastUpdated` works: every run asks for everything.
    incremental: false,
  }));
}
