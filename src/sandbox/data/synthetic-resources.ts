import type { FhirResource } from '../model.ts';

/** What a builder needs to make one synthetic resource. */
export interface BuildContext {
  id: string;
  patientId: string;
  /** ISO timestamp of the clinical event. */
  date: string;
  random: () => number;
  /** For DocumentReference: the id of its Binary. */
  binaryId: string;
}

type Code = [system: string, code: string, display: string];
const loinc = 'http://loinc.org';
const snomed = 'http://snomed.info/sct';

/** Observation categories with their share of a synthetic chart and typical codes/values. */
const observationKinds: { category: string; share: number; codes: [code: string, display: string, unit: string, low: number, high: number][] }[] = [
  { category: 'laboratory', share: 0.4, codes: [['2345-7', 'Glucose', 'mg/dL', 70, 180], ['718-7', 'Hemoglobin', 'g/dL', 11, 17], ['2160-0', 'Creatinine', 'mg/dL', 0.6, 1.4]] },
  { category: 'vital-signs', share: 0.35, codes: [['8867-4', 'Heart rate', '/min', 50, 110], ['29463-7', 'Body weight', 'kg', 50, 110], ['8310-5', 'Body temperature', 'Cel', 36, 38.5]] },
  { category: 'survey', share: 0.1, codes: [['44261-6', 'PHQ-9 total score', '{score}', 0, 27]] },
  { category: 'social-history', share: 0.05, codes: [['63586-2', 'Household income', '/a', 10000, 120000]] },
  { category: 'exam', share: 0.04, codes: [['8302-2', 'Body height', 'cm', 150, 195]] },
  { category: 'sdoh', share: 0.03, codes: [['93025-5', 'PRAPARE total score', '{score}', 0, 20]] },
  { category: 'imaging', share: 0.03, codes: [['18782-3', 'Radiology Study observation', '1', 0, 1]] },
];

const conditions: Code[] = [[snomed, '44054006', 'Diabetes mellitus type 2'], [snomed, '38341003', 'Hypertensive disorder'], [snomed, '195662009', 'Acute viral pharyngitis']];
const medications: Code[] = [['http://www.nlm.nih.gov/research/umls/rxnorm', '860975', 'metformin 500 MG Oral Tablet'], ['http://www.nlm.nih.gov/research/umls/rxnorm', '314076', 'lisinopril 10 MG Oral Tablet']];
const procedures: Code[] = [[snomed, '430193006', 'Medication reconciliation'], [snomed, '73761001', 'Colonoscopy']];
const vaccines: Code[] = [['http://hl7.org/fhir/sid/cvx', '140', 'Influenza, seasonal, injectable'], ['http://hl7.org/fhir/sid/cvx', '208', 'COVID-19, mRNA']];

function pick<T>(items: T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function concept([system, code, display]: Code): Record<string, unknown> {
  return { coding: [{ system, code, display }], text: display };
}

function buildObservation(ctx: BuildContext): Record<string, unknown> {
  let roll = ctx.random();
  const kind = observationKinds.find((item) => (roll -= item.share) < 0) ?? observationKinds[0]!;
  const [code, display, unit, low, high] = pick(kind.codes, ctx.random);
  const value = Math.round((low + ctx.random() * (high - low)) * 10) / 10;
  return {
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: kind.category }] }],
    code: concept([loinc, code, display]),
    effectiveDateTime: ctx.date,
    issued: ctx.date,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

const builders: Record<string, (ctx: BuildContext) => Record<string, unknown>> = {
  Observation: buildObservation,
  Encounter: (ctx) => ({
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [concept([snomed, '185349003', 'Encounter for check up'])],
    period: { start: ctx.date, end: new Date(Date.parse(ctx.date) + 30 * 60_000).toISOString() },
  }),
  Condition: (ctx) => ({
    clinicalStatus: concept(['http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active']),
    category: [concept(['http://terminology.hl7.org/CodeSystem/condition-category', ctx.random() < 0.7 ? 'problem-list-item' : 'encounter-diagnosis', 'Condition'])],
    code: concept(pick(conditions, ctx.random)),
    onsetDateTime: ctx.date,
    recordedDate: ctx.date,
  }),
  MedicationRequest: (ctx) => ({ status: 'active', intent: 'order', medicationCodeableConcept: concept(pick(medications, ctx.random)), authoredOn: ctx.date }),
  Procedure: (ctx) => ({ status: 'completed', code: concept(pick(procedures, ctx.random)), performedDateTime: ctx.date }),
  Immunization: (ctx) => ({ status: 'completed', vaccineCode: concept(pick(vaccines, ctx.random)), occurrenceDateTime: ctx.date, primarySource: true }),
  DiagnosticReport: (ctx) => ({
    status: 'final',
    category: [concept(['http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory'])],
    code: concept([loinc, '24323-8', 'Comprehensive metabolic panel']),
    effectiveDateTime: ctx.date,
    issued: ctx.date,
  }),
  DocumentReference: (ctx) => ({
    status: 'current',
    type: concept([loinc, '11506-3', 'Progress note']),
    category: [concept(['http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', 'clinical-note', 'Clinical Note'])],
    date: ctx.date,
    content: [{ attachment: { contentType: 'text/plain', url: `Binary/${ctx.binaryId}` } }],
  }),
  AllergyIntolerance: (ctx) => ({
    clinicalStatus: concept(['http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active']),
    code: concept([snomed, '91936005', 'Allergy to penicillin']),
    recordedDate: ctx.date,
  }),
  CarePlan: (ctx) => ({ status: 'active', intent: 'plan', category: [concept([snomed, '38717003', 'Longitudinal care plan'])], period: { start: ctx.date } }),
  Goal: (ctx) => ({ lifecycleStatus: 'active', description: { text: 'Improve fitness' }, startDate: ctx.date.slice(0, 10) }),
};

/** Builds one synthetic resource of a type (a builder above), linked to its patient. */
export function buildSyntheticResource(resourceType: string, ctx: BuildContext): FhirResource {
  const build = builders[resourceType];
  if (!build) throw new TypeError(`no synthetic builder for resource type "${resourceType}"`);
  const patientKey = resourceType === 'Immunization' || resourceType === 'AllergyIntolerance' ? 'patient' : 'subject';
  const body = build(ctx);
  return {
    resourceType,
    id: ctx.id,
    meta: { versionId: '1', lastUpdated: ctx.date },
    ...body,
    [patientKey]: { reference: `Patient/${ctx.patientId}` },
  };
}

export const syntheticTypes = Object.keys(builders);
