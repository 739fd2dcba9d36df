import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import type { ApiGrants } from './api-grants.ts';
import { epicCodes } from './epic-outcome.ts';
import { respondForbiddenEmpty, respondNotFoundHtml, respondOutcome } from './fhir-responses.ts';
import {
  isReadForbidden,
  readBinaryOwner,
  readCategoryKeys,
  readOnlyCompartmentTypes,
  referenceTypes,
  searchableTypes,
} from './resource-kinds.ts';
import { allowsByScope } from './scope-access.ts';

export interface ReadInput {
  orgId: string;
  resourceType: string;
  id: string;
  token: AccessTokenInfo;
  grants: ApiGrants;
  data: SandboxDataStore;
}

/**
 * `GET <Type>/{id}`: the patient's own compartment (others' resources are 404, another Patient is 403 4118),
 * reference types for anyone in the organisation (some forbidden with 4118), Binary with 59203 when its kind was
 * not granted. Returns the resource or the Response that ends the request.
 */
export function readResource(input: ReadInput): FhirResource | Response {
  const { resourceType: type, id, token } = input;
  const known = searchableTypes.has(type) || referenceTypes.has(type) || readOnlyCompartmentTypes.has(type);
  if (!known) return respondNotFoundHtml();
  if (type === 'Patient' && id !== token.patientId) return respondOutcome(403, epicCodes.notAuthorized, 'id');
  if (!allowsByScope(token.scopes, type, 'read') || !input.grants.allows('Read', type)) {
    return type === 'Binary' ? respondOutcome(403, epicCodes.binaryNotAuthorized) : respondForbiddenEmpty();
  }
  const resource = input.data.read(input.orgId, type, id);
  if (!resource) return respondOutcome(404, epicCodes.invalidId, 'id');
  if (referenceTypes.has(type)) {
    return isReadForbidden(type, id) ? respondOutcome(403, epicCodes.notAuthorized) : resource;
  }
  if (!belongsToPatient(resource, token.patientId, input))
    return respondOutcome(404, epicCodes.invalidId, 'id');
  if (!input.grants.allows('Read', type, readCategoryKeys(resource, input.data, input.orgId))) {
    return type === 'Binary' ? respondOutcome(403, epicCodes.binaryNotAuthorized) : respondForbiddenEmpty();
  }
  return resource;
}

const patientFields = ['subject', 'patient', 'beneficiary'];

/**
 * Compartment check: the resource's own patient reference when it has one; a Binary through its owner; anything
 * else (Provenance, RelatedPerson without patient) by its presence in the patient's lists.
 */
export function belongsToPatient(
  resource: FhirResource,
  patientId: string,
  input: Pick<ReadInput, 'data' | 'orgId'>,
): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  if (resource.resourceType === 'Binary') {
    const owner = readBinaryOwner(resource, input.data, input.orgId);
    return owner !== undefined && belongsToPatient(owner, patientId, input);
  }
  for (const field of patientFields) {
    const reference = (resource[field] as { reference?: string } | undefined)?.reference;
    if (reference !== undefined) return reference === `Patient/${patientId}`;
  }
  return input.data
    .patientResources(input.orgId, patientId, resource.resourceType)
    .some((item) => item.id === resource.id);
}
