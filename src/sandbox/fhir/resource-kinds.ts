import type { FhirResource, SandboxDataStore } from '../model.ts';
import { readCategoryCodes } from '../data/epic-shape.ts';

/** Types served by `<Type>?patient=` (docs/epic-facts.md §5). */
export const searchableTypes = new Set([
  'AllergyIntolerance',
  'CarePlan',
  'CareTeam',
  'Condition',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'FamilyMemberHistory',
  'Goal',
  'Immunization',
  'Media',
  'MedicationDispense',
  'MedicationRequest',
  'Observation',
  'Procedure',
  'QuestionnaireResponse',
  'ServiceRequest',
  'Specimen',
]);

/** Types outside the patient compartment, read by reference only. */
export const referenceTypes = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
]);

/** Compartment types readable by id but not searchable by patient. */
export const readOnlyCompartmentTypes = new Set(['RelatedPerson', 'Provenance', 'Binary', 'Patient']);

const summaryDocumentCode = '34133-9';

/**
 * The category keys grants are checked against: the category codes for Observation, Condition and CarePlan;
 * `summary-document` (C-CDA) or `clinical-note` for DocumentReference; a Binary takes its owner's key
 * (`lab-document` when the owner is a DiagnosticReport).
 */
export function readCategoryKeys(resource: FhirResource, data: SandboxDataStore, orgId: string): string[] {
  if (resource.resourceType === 'DocumentReference') {
    const types = ((resource.type as { coding?: { code?: string }[] } | undefined)?.coding ?? []).map(
      (c) => c.code,
    );
    return [types.includes(summaryDocumentCode) ? 'summary-document' : 'clinical-note'];
  }
  if (resource.resourceType === 'Binary') {
    const owner = readBinaryOwner(resource, data, orgId);
    if (!owner) return ['clinical-note'];
    return owner.resourceType === 'DiagnosticReport'
      ? ['lab-document']
      : readCategoryKeys(owner, data, orgId);
  }
  return readCategoryCodes(resource);
}

/** The DocumentReference or DiagnosticReport a Binary belongs to (Binary.securityContext). */
export function readBinaryOwner(
  binary: FhirResource,
  data: SandboxDataStore,
  orgId: string,
): FhirResource | undefined {
  const reference = (binary.securityContext as { reference?: string } | undefined)?.reference ?? '';
  const [type, id] = reference.split('/');
  return type && id ? data.read(orgId, type, id) : undefined;
}

/**
 * Some reads by reference are forbidden (Epic answers 403 with 4118 even when searches succeed). Which ones is
 * fixed by the id: every resource of a reference type whose id's FNV-1a hash is divisible by 5.
 */
export function isReadForbidden(resourceType: string, id: string): boolean {
  if (!referenceTypes.has(resourceType)) return false;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 5 === 0;
}
