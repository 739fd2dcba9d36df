import type { FhirResource } from '../model.ts';

/** A time range in epoch ms; a single instant has start === end. */
export interface TimeRange {
  start: number;
  end: number;
}

/** Paths (in order of preference) holding the date the `date` search parameter means for each type. */
const datePaths: Record<string, string[]> = {
  Observation: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'],
  Encounter: ['period'],
  Condition: ['onsetDateTime', 'onsetPeriod', 'recordedDate'],
  Procedure: ['performedDateTime', 'performedPeriod'],
  Immunization: ['occurrenceDateTime'],
  MedicationRequest: ['authoredOn'],
  MedicationDispense: ['whenHandedOver', 'whenPrepared'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod', 'issued'],
  DocumentReference: ['date', 'context.period'],
  CarePlan: ['period'],
  CareTeam: ['period'],
  Goal: ['startDate'],
  AllergyIntolerance: ['recordedDate', 'onsetDateTime'],
  ServiceRequest: ['authoredOn', 'occurrenceDateTime'],
  Specimen: ['collection.collectedDateTime', 'receivedTime'],
  QuestionnaireResponse: ['authored'],
  Coverage: ['period'],
  Provenance: ['recorded'],
  FamilyMemberHistory: ['date'],
  Media: ['createdDateTime', 'issued'],
};

/** The clinical date range of a resource, or undefined when it has none. */
export function readClinicalRange(resource: FhirResource): TimeRange | undefined {
  for (const path of datePaths[resource.resourceType] ?? []) {
    const value = readPath(resource, path);
    const range = toRange(value);
    if (range) return range;
  }
  return undefined;
}

function readPath(resource: FhirResource, path: string): unknown {
  let node: unknown = resource;
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function toRange(value: unknown): TimeRange | undefined {
  if (typeof value === 'string') return parseFhirDate(value);
  if (!value || typeof value !== 'object') return undefined;
  const period = value as { start?: string; end?: string };
  const start = period.start ? parseFhirDate(period.start) : undefined;
  const end = period.end ? parseFhirDate(period.end) : undefined;
  if (!start && !end) return undefined;
  return { start: (start ?? end)!.start, end: (end ?? start)!.end };
}

/**
 * A FHIR date/dateTime/instant as the range its precision covers: `2020` is the whole year, `2020-03-04` the
 * whole day (UTC), a full timestamp one instant.
 */
export function parseFhirDate(text: string): TimeRange | undefined {
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(text);
  if (partial) {
    const year = Number(partial[1]);
    const month = partial[2] ? Number(partial[2]) - 1 : undefined;
    const day = partial[3] ? Number(partial[3]) : undefined;
    const start = Date.UTC(year, month ?? 0, day ?? 1);
    const next =
      day !== undefined ? Date.UTC(year, month!, day + 1) : month !== undefined ? Date.UTC(year, month + 1, 1) : Date.UTC(year + 1, 0, 1);
    return { start, end: next - 1 };
  }
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? undefined : { start: instant, end: instant };
}
