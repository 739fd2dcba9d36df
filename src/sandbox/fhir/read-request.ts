import { readCategoryCodes } from '../data/epic-shape.ts';
import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import type { OrgProfile } from '../profiles/org-profiles.ts';
import type { ApiGrants } from './api-grants.ts';
import { respondNotFoundHtml } from './fhir-responses.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import { respondNotHeld, respondOutsideGrant } from './generic-search-rules.ts';
import { readTypesOf } from './profile-types.ts';
import { readFault } from './read-faults.ts';
import { readBinaryOwner, readCategoryKeys, referenceTypes } from './resource-kinds.ts';
import { allowsByScope } from './scope-access.ts';

export interface ReadInput {
  orgId: string;
  resourceType: string;
  id: string;
  token: AccessTokenInfo;
  grants: ApiGrants;
  data: SandboxDataStore;
  profile: OrgProfile;
}

/**
 * `GET <Type>/{id}`: the patient's own compartment (others' resources are 404, another Patient is 403 4118),
 * reference types for anyone in the organisation (some unreadable, see read-faults.ts), Binary with 59203 when
 * its kind was not granted. Types the profile does not read are 404 (Epic: an HTML page); a payer without a
 * Patient read answers 404 for the Patient. Returns the resource or the Response that ends the request.
 */
export function readResource(input: ReadInput): FhirResource | Response {
  const { resourceType: type, id, token, profile } = input;
  if (!readTypesOf(profile).has(type)) {
    return profile.searchRules === 'epic'
      ? respondNotFoundHtml()
      : respondGenericOutcome(404, 'not-supported', `resource type ${type} is not supported`);
  }
  if (type === 'Patient' && !profile.patientRead) return respondNotHeld(profile, type, 404);
  if (type === 'Patient' && id !== token.patientId) return respondNotHeld(profile, type, 403);
  if (!allowsByScope(token.scopes, type, 'read') || !input.grants.allows('Read', type)) {
    return respondOutsideGrant(profile, type);
  }
  const resource = input.data.read(input.orgId, type, id);
  if (!resource) return respondNotHeld(profile, type, 404);
  if (referenceTypes.has(type)) return readFault(profile, type, id) ?? resource;
  if (!belongsToPatient(resource, token.patientId, input)) return respondNotHeld(profile, type, 404);
  if (!allowsByScope(token.scopes, type, 'read', readCategoryCodes(resource))) {
    return respondOutsideGrant(profile, type);
  }
  if (!input.grants.allows('Read', type, readCategoryKeys(resource, input.data, input.orgId))) {
    return respondOutsideGrant(profile, type);
  }
  return readFault(profile, type, id) ?? resource;
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
