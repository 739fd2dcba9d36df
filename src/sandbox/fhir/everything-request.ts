import { readCategoryCodes } from '../data/epic-shape.ts';
import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import type { OrgProfile } from '../profiles/org-profiles.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import { respondNotHeld, respondOutsideGrant } from './generic-search-rules.ts';
import { readTypesOf } from './profile-types.ts';
import { referenceTypes } from './resource-kinds.ts';
import { allowsByScope } from './scope-access.ts';
import type { StoredSearch } from './search-sessions.ts';

export interface EverythingInput {
  orgId: string;
  patientId: string;
  params: URLSearchParams;
  token: AccessTokenInfo;
  data: SandboxDataStore;
  profile: OrgProfile;
  pageSize: number;
  maxPageSize: number;
}

/** Compartment types `$everything` returns (Binaries come through their attachments; shared types never). */
export function everythingTypesOf(profile: OrgProfile): string[] {
  return [...readTypesOf(profile)].filter((type) => !referenceTypes.has(type) && type !== 'Binary').sort();
}

/**
 * `Patient/{id}/$everything` as payers and HIEs serve it: the patient's whole compartment (the Patient first),
 * limited to the types the token's scopes allow and to `_type` when given, paged by `_count`. Only the
 * token's own patient; another id is 403.
 */
export function startEverything(input: EverythingInput): StoredSearch | Response {
  const { profile, token } = input;
  if (input.patientId !== token.patientId) return respondNotHeld(profile, 'Patient', 403);
  const wanted = input.params
    .get('_type')
    ?.split(',')
    .map((type) => type.trim());
  const types = everythingTypesOf(profile).filter((type) => !wanted || wanted.includes(type));
  const allowed = types.filter((type) => allowsByScope(token.scopes, type, 'read'));
  if (allowed.length === 0) return respondOutsideGrant(profile, wanted?.join(',') ?? 'Patient');
  const count = readCount(input.params.get('_count'), input.pageSize, input.maxPageSize);
  if (count === undefined)
    return respondGenericOutcome(400, 'invalid', '_count must be a positive whole number');
  const source: FhirResource[] = [];
  for (const type of ['Patient', ...allowed.filter((type) => type !== 'Patient')]) {
    if (!allowed.includes(type)) continue;
    // A granular scope keeps its categories only.
    const resources = input.data.patientResources(input.orgId, token.patientId, type);
    source.push(...resources.filter((r) => allowsByScope(token.scopes, type, 'read', readCategoryCodes(r))));
  }
  return {
    orgId: input.orgId,
    patientId: token.patientId,
    clientId: token.clientId,
    resourceType: 'Patient/$everything',
    path: `Patient/${token.patientId}/$everything`,
    params: input.params,
    source,
    matches: source.map((_, index) => index),
    count,
    revincludeProvenance: false,
    warnings: [],
  };
}

function readCount(raw: string | null, pageSize: number, maxPageSize: number): number | undefined {
  if (raw === null) return pageSize;
  const count = Number(raw);
  return Number.isInteger(count) && count >= 1 ? Math.min(count, maxPageSize) : undefined;
}
