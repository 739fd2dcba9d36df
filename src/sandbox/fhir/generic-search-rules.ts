import type { OrgProfile } from '../profiles/org-profiles.ts';
import { epicCodes } from './epic-outcome.ts';
import { respondForbiddenEmpty, respondOutcome } from './fhir-responses.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import { listedTypesOf, searchTypesOf } from './profile-types.ts';

/**
 * What a non-Epic server refuses before it searches (REAL-WORLD.md "Searches", "Payers and HIEs"): payers
 * answer per-type searches with 400 (types they list) or 404; a type listed but broken answers 500; servers that
 * need a category for Observation say so in their own words with 400.
 */
export function checkGenericSearch(
  profile: OrgProfile,
  type: string,
  params: URLSearchParams,
): Response | undefined {
  if (profile.everythingOnly) {
    return listedTypesOf(profile).includes(type)
      ? respondGenericOutcome(
          400,
          'not-supported',
          `search is not supported for ${type}; use Patient/[id]/$everything`,
        )
      : respondGenericOutcome(404, 'not-supported', `resource type ${type} is not supported`);
  }
  if (profile.brokenSearchTypes.includes(type)) {
    return respondGenericOutcome(500, 'exception', `an internal error occurred while searching ${type}`);
  }
  if (!searchTypesOf(profile).has(type) && type !== 'Patient') {
    return respondGenericOutcome(404, 'not-supported', `resource type ${type} is not supported`);
  }
  if ([...params.keys()].length === 0) {
    return respondGenericOutcome(400, 'required', 'a search needs at least one parameter');
  }
  if (type === 'Observation' && !params.has('category') && !params.has('code'))
    return refuseObservation(profile, params);
  return undefined;
}

function refuseObservation(profile: OrgProfile, params: URLSearchParams): Response | undefined {
  if (profile.observationNeeds === 'category-or-code') {
    return respondGenericOutcome(
      400,
      'required',
      "Search for observation resource must have 'code' or 'category'",
    );
  }
  if (profile.observationNeeds === 'hapi-parameters') {
    const names = [...new Set(params.keys())].sort().join(', ');
    return respondGenericOutcome(
      400,
      'not-supported',
      `Invalid request: The FHIR endpoint on this server does not know how to handle GET operation[Observation] with parameters [[${names}]]`,
    );
  }
  return undefined;
}

/** A type outside the token's scopes: Epic's empty 403, a 401 (some servers), or a 403 OperationOutcome. */
export function respondOutsideGrant(profile: OrgProfile, type: string): Response {
  if (profile.outsideGrant === 'forbidden-empty') {
    return type === 'Binary' ? respondOutcome(403, epicCodes.binaryNotAuthorized) : respondForbiddenEmpty();
  }
  if (profile.outsideGrant === 'unauthorized') {
    return respondGenericOutcome(401, 'security', `the access token does not grant access to ${type}`);
  }
  return respondGenericOutcome(403, 'forbidden', `the access token does not grant access to ${type}`);
}

/** Another patient's data, or an id this server does not hold, the way each kind of server says it. */
export function respondNotHeld(profile: OrgProfile, type: string, status: 403 | 404): Response {
  if (profile.searchRules === 'epic') {
    return status === 403
      ? respondOutcome(403, epicCodes.notAuthorized, 'id')
      : respondOutcome(404, epicCodes.invalidId, 'id');
  }
  return status === 403
    ? respondGenericOutcome(403, 'forbidden', `the access token is not for this ${type}`)
    : respondGenericOutcome(404, 'not-found', `${type} is not known`);
}
