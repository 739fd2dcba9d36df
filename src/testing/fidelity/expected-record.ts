import { createApiGrants, readAllApiLabels, type ApiGrants } from '../../sandbox/fhir/api-grants.ts';
import { belongsToPatient } from '../../sandbox/fhir/read-request.ts';
import {
  isReadForbidden,
  readBinaryOwner,
  readCategoryKeys,
  referenceTypes,
  searchableTypes,
} from '../../sandbox/fhir/resource-kinds.ts';
import { allowsByScope } from '../../sandbox/fhir/scope-access.ts';
import type { FhirResource, SandboxDataStore } from '../../sandbox/model.ts';
import type { RecordKey } from './measure-record.ts';

/**
 * What the sandbox holds for one patient that the grant lets a client reach, computed from the sandbox's own
 * access rules (today's `epic` behaviour): compartment resources of a searchable type the scopes and API grants
 * allow; the Patient; every Binary owned by an expected DocumentReference or DiagnosticReport; Provenance that
 * targets an expected resource (`_revinclude`); RelatedPerson referenced by one; and the shared resources
 * (Practitioner, Organization, …) the record references, transitively, whose read the server does not refuse
 * (Epic's 4118 reads are the server's choice, not a loss). Resources the server cannot serve at all (Claim,
 * ExplanationOfBenefit, ImagingStudy under `epic`) are not expected. A profile-aware sandbox replaces this with
 * its own answer (see `expectedRecordOf` in profile-sandbox.ts).
 */
export function computeExpectedRecord(input: {
  data: SandboxDataStore;
  orgId: string;
  patientId: string;
  /** Granted scopes (the connection's); `[]` = the sandbox's "no resource scopes" (everything). */
  scopes: string[];
  /** The client's Epic API labels; `[]` = every label. */
  apiLabels?: string[];
}): RecordKey[] {
  const { data, orgId, patientId, scopes } = input;
  const grants = createApiGrants(input.apiLabels ?? [], readAllApiLabels());
  const allowed = (resource: FhirResource, action: 'read' | 'search') =>
    allowsByScope(scopes, resource.resourceType, action) &&
    grants.allows(
      action === 'read' ? 'Read' : 'Search',
      resource.resourceType,
      readCategoryKeys(resource, data, orgId),
    );
  const expected = new Map<string, FhirResource>();
  const add = (resource: FhirResource) => expected.set(`${resource.resourceType}/${resource.id}`, resource);
  for (const patient of data.patientResources(orgId, patientId, 'Patient'))
    if (allowed(patient, 'read')) add(patient);
  for (const type of searchableTypes) {
    for (const resource of data.patientResources(orgId, patientId, type))
      if (allowed(resource, 'search')) add(resource);
  }
  addOwnedBinaries({ data, orgId, patientId, expected, add, allowed });
  addProvenance(data.patientResources(orgId, patientId, 'Provenance'), expected, (r) =>
    allowed(r, 'read') ? add(r) : undefined,
  );
  addReferenced({ data, orgId, patientId, expected, add, allowed, grants, scopes });
  return [...expected.values()].map(({ resourceType, id }) => ({ resourceType, id }));
}

interface Collect {
  data: SandboxDataStore;
  orgId: string;
  patientId: string;
  expected: Map<string, FhirResource>;
  add(resource: FhirResource): void;
  allowed(resource: FhirResource, action: 'read' | 'search'): boolean;
}

function addOwnedBinaries(ctx: Collect): void {
  for (const binary of ctx.data.patientResources(ctx.orgId, ctx.patientId, 'Binary')) {
    const owner = readBinaryOwner(binary, ctx.data, ctx.orgId);
    if (owner && ctx.expected.has(`${owner.resourceType}/${owner.id}`) && ctx.allowed(binary, 'read'))
      ctx.add(binary);
  }
}

function addProvenance(
  provenances: FhirResource[],
  expected: Map<string, FhirResource>,
  add: (resource: FhirResource) => void,
): void {
  for (const provenance of provenances) {
    const targets = (provenance.target as { reference?: string }[] | undefined) ?? [];
    if (targets.some((target) => expected.has(target.reference ?? ''))) add(provenance);
  }
}

/** RelatedPerson and shared resources reachable by reference from the record, read after read. */
function addReferenced(ctx: Collect & { grants: ApiGrants; scopes: string[] }): void {
  const queue = [...ctx.expected.values()];
  for (let resource = queue.pop(); resource; resource = queue.pop()) {
    for (const reference of listReferences(resource)) {
      if (ctx.expected.has(reference)) continue;
      const [type = '', id = '', ...rest] = reference.split('/');
      if (rest.length > 0 || !(referenceTypes.has(type) || type === 'RelatedPerson')) continue;
      const target = ctx.data.read(ctx.orgId, type, id);
      if (!target || !allowsByScope(ctx.scopes, type, 'read') || !ctx.grants.allows('Read', type)) continue;
      if (type === 'RelatedPerson' && !belongsToPatient(target, ctx.patientId, ctx)) continue;
      if (isReadForbidden(type, id)) continue;
      ctx.add(target);
      queue.push(target);
    }
  }
}

/** Every relative `Type/id` reference anywhere in a resource. */
function listReferences(resource: unknown, found: string[] = []): string[] {
  if (Array.isArray(resource)) {
    for (const item of resource) listReferences(item, found);
  } else if (resource !== null && typeof resource === 'object') {
    for (const [key, value] of Object.entries(resource)) {
      if (key === 'reference' && typeof value === 'string') found.push(value);
      else listReferences(value, found);
    }
  }
  return found;
}
