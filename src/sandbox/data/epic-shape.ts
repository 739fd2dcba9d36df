import type { FhirResource } from '../model.ts';
import { readClinicalRange } from './clinical-date.ts';

/** The Observation categories Epic searches by (docs/epic-facts.md §5); every served Observation carries at least one. */
export const observationCategories = [
  'laboratory', 'vital-signs', 'social-history', 'survey', 'exam', 'imaging', 'procedure', 'therapy', 'activity',
  'sdoh', 'functional-status', 'disability-status', 'cognitive-status', 'clinical-test', 'care-experience-preference',
  'treatment-intervention-preference', 'observation-adi-documentation',
];
export const conditionCategories = ['problem-list-item', 'encounter-diagnosis', 'health-concern'];
export const carePlanCategories = ['38717003', '734163000', 'assess-plan'];

const observationCategorySystem = 'http://terminology.hl7.org/CodeSystem/observation-category';
const conditionCategorySystem = 'http://terminology.hl7.org/CodeSystem/condition-category';
const snomed = 'http://snomed.info/sct';

type Coding = { system?: string; code?: string; display?: string };
type CodeableConcept = { coding?: Coding[]; text?: string };

const categoryCache = new WeakMap<FhirResource, string[]>();

/** Codes of every category coding of a resource (cached per object: searches ask for them on every scan). */
export function readCategoryCodes(resource: FhirResource): string[] {
  const cached = categoryCache.get(resource);
  if (cached) return cached;
  const codes = collectCategoryCodes(resource);
  categoryCache.set(resource, codes);
  return codes;
}

function collectCategoryCodes(resource: FhirResource): string[] {
  const raw = resource.category;
  const concepts = (Array.isArray(raw) ? raw : raw ? [raw] : []) as CodeableConcept[];
  return concepts.flatMap((concept) => (concept.coding ?? []).map((coding) => coding.code ?? ''));
}

/**
 * Gives each resource the categories Epic would: Synthea's `vital-sign` becomes `vital-signs`; Observations,
 * Conditions and CarePlans without a searchable category get one (laboratory; encounter-diagnosis when tied to an
 * encounter, else problem-list-item; longitudinal 38717003), so every resource is reachable by some search.
 */
export function shapeCategories(resource: FhirResource): void {
  if (resource.resourceType === 'Observation') {
    for (const concept of (resource.category as CodeableConcept[] | undefined) ?? []) {
      for (const coding of concept.coding ?? []) if (coding.code === 'vital-sign') coding.code = 'vital-signs';
    }
    ensureCategory(resource, observationCategories, { system: observationCategorySystem, code: 'laboratory', display: 'Laboratory' });
  } else if (resource.resourceType === 'Condition') {
    const code = resource.encounter ? 'encounter-diagnosis' : 'problem-list-item';
    ensureCategory(resource, conditionCategories, { system: conditionCategorySystem, code });
  } else if (resource.resourceType === 'CarePlan') {
    ensureCategory(resource, carePlanCategories, { system: snomed, code: '38717003', display: 'Longitudinal care plan' });
  }
}

function ensureCategory(resource: FhirResource, known: string[], fallback: Coding): void {
  if (collectCategoryCodes(resource).some((code) => known.includes(code))) return;
  const existing = (resource.category as CodeableConcept[] | undefined) ?? [];
  resource.category = [...existing, { coding: [fallback] }];
}

/** `meta.versionId` and a `meta.lastUpdated` taken from the clinical date (never later than `asOf`). */
export function assignMeta(resource: FhirResource, asOf: number): void {
  const range = readClinicalRange(resource);
  const updated = range ? Math.min(range.end, asOf) : asOf;
  resource.meta = { ...(resource.meta ?? {}), versionId: '1', lastUpdated: new Date(updated).toISOString() };
}

/**
 * Moves inline attachment data (DocumentReference.content, DiagnosticReport.presentedForm) into Binary
 * resources and points the attachment at `Binary/{id}`, as Epic serves notes; a DocumentReference without any
 * content gets a short text note so every document has something to download.
 */
export function extractBinaries(resource: FhirResource, orgId: string, newId: (seed: string) => string): FhirResource[] {
  const attachments: Record<string, unknown>[] = [];
  if (resource.resourceType === 'DocumentReference') {
    const content = ((resource.content as { attachment?: Record<string, unknown> }[] | undefined) ?? []);
    if (content.length === 0) resource.content = [{ attachment: { contentType: 'text/plain', data: noteText(resource) } }];
    for (const item of resource.content as { attachment?: Record<string, unknown> }[]) {
      if (item.attachment) attachments.push(item.attachment);
    }
  } else if (resource.resourceType === 'DiagnosticReport') {
    attachments.push(...((resource.presentedForm as Record<string, unknown>[] | undefined) ?? []));
  }
  return attachments.flatMap((attachment, index) => moveToBinary(resource, attachment, `${orgId}|Binary|${resource.resourceType}/${resource.id}|${index}`, newId));
}

function moveToBinary(
  owner: FhirResource,
  attachment: Record<string, unknown>,
  seed: string,
  newId: (seed: string) => string,
): FhirResource[] {
  if (typeof attachment.data !== 'string') return [];
  const id = newId(seed);
  const binary: FhirResource = {
    resourceType: 'Binary',
    id,
    contentType: attachment.contentType ?? 'application/octet-stream',
    securityContext: { reference: `${owner.resourceType}/${owner.id}` },
    data: attachment.data,
  };
  attachment.size = Buffer.from(attachment.data, 'base64').byteLength;
  delete attachment.data;
  attachment.url = `Binary/${id}`;
  return [binary];
}

function noteText(resource: FhirResource): string {
  const type = (resource.type as CodeableConcept | undefined)?.text ?? 'Clinical note';
  return Buffer.from(`${type}\n\nThis note was generated by the chartbridge sandbox.`).toString('base64');
}
