import {
  allowsRead,
  buildQueryKey,
  buildSearchPath,
  type PlannedQuery,
  type QueryPlan,
} from './query-plan.ts';

/** Observation categories Epic requires (a search without one is HTTP 400, code 59108); EPIC.md §5. */
export const EPIC_OBSERVATION_CATEGORIES = [
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
];

/** US Core makes effective[x] mandatory for these Observation categories. */
const DATED_CATEGORIES = ['laboratory', 'vital-signs'];

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
];

export interface PlanOptions {
  patientId: string;
  scope: string;
  /** `_count` asked for (Epic honours about 50–100). */
  pageSize?: number;
}

/** Every type and category of EPIC.md §5 that the granted scopes allow; the rest are "not granted". */
export function buildEpicPlan(options: PlanOptions): QueryPlan {
  const count = String(options.pageSize ?? 100);
  const candidates: PlannedQuery[] = [
    {
      key: 'Patient',
      resourceType: 'Patient',
      category: null,
      path: `Patient/${encodeURIComponent(options.patientId)}`,
      incremental: false,
    },
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
  return splitByScope('epic', candidates, options.scope);
}

function categoryQuery(type: string, category: string, patientId: string, count: string): PlannedQuery {
  return {
    key: buildQueryKey(type, category),
    resourceType: type,
    category,
    path: buildSearchPath(type, patientId, { category, _count: count }),
    incremental: true,
    windowable: type === 'Observation' && DATED_CATEGORIES.includes(category),
  };
}

export function splitByScope(
  vendor: QueryPlan['vendor'],
  candidates: PlannedQuery[],
  scope: string,
): QueryPlan {
  const plan: QueryPlan = { vendor, queries: [], skipped: [] };
  for (const query of candidates) {
    if (allowsRead(scope, query.resourceType)) plan.queries.push(query);
    else
      plan.skipped.push({
        key: query.key,
        resourceType: query.resourceType,
        category: query.category,
        reason: `not granted: the access token's scope does not include patient/${query.resourceType}.read`,
      });
  }
  return plan;
}
