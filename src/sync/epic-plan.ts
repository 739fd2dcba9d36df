import { allowsRead } from '../smart/patient-scopes.ts';
import { splitByScope } from './grant-filter.ts';
import {
  buildQueryKey,
  buildSearchPath,
  includeProvenance,
  patientProvenanceQuery,
  type PlannedQuery,
  type QueryPlan,
} from './query-plan.ts';
import { buildCategoryQuery, US_CORE_CATEGORIES } from './us-core-searches.ts';

/** Observation categories Epic requires (a search without one is HTTP 400, code 59108): US Core's; docs/epic-facts.md §5. */
export const EPIC_OBSERVATION_CATEGORIES = US_CORE_CATEGORIES.Observation!;

export const EPIC_CONDITION_CATEGORIES = ['problem-list-item', 'encounter-diagnosis', 'health-concern'];
/** Longitudinal, encounter, assess-plan; a CarePlan search without a category is HTTP 400 (59159). */
export const EPIC_CAREPLAN_CATEGORIES = ['38717003', '734163000', 'assess-plan'];

/** Types searched with `?patient=` alone. */
export const EPIC_PLAIN_TYPES = [
  'AllergyIntolerance',
  'CareTeam',
  'Encounter',
  'Goal',
  'Immunization',
  'MedicationRequest',
  'MedicationDispense',
  'Procedure',
  'Device',
  'Coverage',
  'ServiceRequest',
  'Specimen',
  'QuestionnaireResponse',
  'FamilyMemberHistory',
  'DiagnosticReport',
  'DocumentReference',
  // Media.Search (Study) (R4) in Epic's API list (fixtures/epic/uscdi-r4-api-labels.txt).
  'Media',
];

export interface PlanOptions {
  patientId: string;
  scope: string;
  /** What the launch asked for: what it lacks of that is "not shared by the patient" (grant-filter.ts). */
  requestedScope?: string | null;
  /** `_count` asked for (Epic honours about 50–100). */
  pageSize?: number;
  /** The directory's kind of endpoint: a payer's (or an HIE's) is asked for `Patient/$everything` first. */
  kind?: 'provider' | 'payer';
}

/**
 * Every type and category of docs/epic-facts.md §5 that the granted scopes allow; the rest are "not granted". Provenance
 * comes with the searches (`_revinclude=Provenance:target`) when granted; RelatedPerson is read by reference.
 */
export function buildEpicPlan(options: PlanOptions): QueryPlan {
  const count = String(options.pageSize ?? 100);
  const searches: PlannedQuery[] = [
    ...EPIC_OBSERVATION_CATEGORIES.map((c) => categoryQuery('Observation', c, options.patientId, count)),
    ...EPIC_CONDITION_CATEGORIES.map((c) => categoryQuery('Condition', c, options.patientId, count)),
    ...EPIC_CAREPLAN_CATEGORIES.map((c) => categoryQuery('CarePlan', c, options.patientId, count)),
    categoryQuery('DocumentReference', 'clinical-note', options.patientId, count),
    ...EPIC_PLAIN_TYPES.map((type) => ({
      key: buildQueryKey(type, null),
      resourceType: type,
      category: null,
      path: buildSearchPath(type, options.patientId, { _count: count }),
      incremental: true,
    })),
  ];
  const provenance = allowsRead(options.scope, 'Provenance');
  const patientRead: PlannedQuery = {
    key: 'Patient',
    resourceType: 'Patient',
    category: null,
    path: `Patient/${encodeURIComponent(options.patientId)}`,
    incremental: false,
  };
  const withProvenance = provenance
    ? [...searches.map(includeProvenance), patientProvenanceQuery(options.patientId)]
    : searches;
  return splitByScope('epic', [patientRead, ...withProvenance], options.scope, options.requestedScope);
}

function categoryQuery(type: string, category: string, patientId: string, count: string): PlannedQuery {
  return buildCategoryQuery(type, category, { patientId, count });
}
