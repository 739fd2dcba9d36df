import type { AccessTokenInfo, SandboxDataStore } from '../model.ts';
import type { ApiGrants } from './api-grants.ts';
import { categorisedTypes } from './api-grants.ts';
import { epicCodes, type EpicCode } from './epic-outcome.ts';
import { respondForbiddenEmpty, respondNotFoundHtml, respondOutcome } from './fhir-responses.ts';
import { readCategoryKeys, referenceTypes, searchableTypes } from './resource-kinds.ts';
import { allowsByScope } from './scope-access.ts';
import { matchesCriteria, parseDateBounds, parseTokens, type SearchCriteria } from './search-criteria.ts';
import type { StoredSearch } from './search-sessions.ts';
import { carePlanCategories, conditionCategories, observationCategories } from '../data/epic-shape.ts';
import type { OrgProfile } from '../profiles/org-profiles.ts';
import { checkGenericSearch, respondNotHeld, respondOutsideGrant } from './generic-search-rules.ts';

export interface SearchInput {
  orgId: string;
  resourceType: string;
  params: URLSearchParams;
  token: AccessTokenInfo;
  grants: ApiGrants;
  data: SandboxDataStore;
  pageSize: number;
  maxPageSize: number;
  profile: OrgProfile;
}

/** Parameters the search understands; anything else is ignored, as Epic ignores what it does not support. */
const categoryRequired: Record<string, EpicCode> = {
  Observation: epicCodes.categoryOrCodeRequired,
  CarePlan: epicCodes.carePlanCategoryRequired,
};

/** Categories Epic accepts per type; any other value is 400 4115 (`Condition?patient=&category=foo`). */
const knownCategories: Record<string, string[]> = {
  Observation: observationCategories,
  Condition: [
    ...conditionCategories,
    'sdoh',
    'medical-history',
    'reason-for-visit',
    'infection',
    'genomics',
    'dental-finding',
  ],
  CarePlan: carePlanCategories,
};

/**
 * Runs the first page of a `<Type>?patient=` search: validates the parameters the way Epic does (each rule of
 * docs/epic-facts.md §5) or the profile's generic server does, checks the client's granted APIs and scopes, and fixes the
 * list of matches. Returns the stored search, or the Response that ends the request.
 */
export function startSearch(input: SearchInput): StoredSearch | Response {
  const { resourceType: type, params, profile } = input;
  const epic = profile.searchRules === 'epic';
  const rejected = epic ? rejectUnsupported(type, params) : checkGenericSearch(profile, type, params);
  if (rejected) return rejected;
  const patient =
    type === 'Patient'
      ? readPatientId(params, input.token.patientId)
      : readPatientParam(params, input.token.patientId, profile);
  if (patient instanceof Response) return patient;
  const categories = parseTokens(params.getAll('category'));
  const codes = parseTokens(params.getAll('code'));
  const invalid = epic ? checkCategories(type, categories, codes) : undefined;
  if (invalid) return invalid;
  // A granular scope allows only searches by its categories; a search without one is outside it.
  if (!allowsByScope(input.token.scopes, type, 'search', categories ?? []))
    return respondOutsideGrant(profile, type);
  if (!input.grants.allows('Search', type, categories)) return respondForbiddenEmpty();
  const criteria = readCriteria(params, categories, codes);
  if (criteria instanceof Response) return criteria;
  const count = readCount(params, input.pageSize, input.maxPageSize);
  if (count instanceof Response) return count;
  const source = input.data.patientResources(input.orgId, patient, type);
  const { matches, omitted } = findMatches(input, source, criteria);
  return {
    orgId: input.orgId,
    patientId: patient,
    clientId: input.token.clientId,
    resourceType: type,
    path: type,
    params,
    source,
    matches,
    count,
    revincludeProvenance: params.getAll('_revinclude').includes('Provenance:target'),
    warnings: omitted ? [epicCodes.subTypeNotAuthorized] : [],
  };
}

/** Observation needs a category or code (59108), CarePlan a category (59159); unknown categories are 4115. */
function checkCategories(type: string, categories?: string[], codes?: string[]): Response | undefined {
  const required = categoryRequired[type];
  if (required && !categories && !(type === 'Observation' && codes))
    return respondOutcome(400, required, 'category');
  const known = knownCategories[type];
  if (known && categories?.some((code) => !known.includes(code))) {
    return respondOutcome(400, epicCodes.invalidRequiredValue, 'category');
  }
  return undefined;
}

function rejectUnsupported(type: string, params: URLSearchParams): Response | undefined {
  if (type === 'RelatedPerson' && (params.has('patient') || params.has('subject'))) {
    return respondOutcome(400, epicCodes.invalidParameter, 'patient');
  }
  if (referenceTypes.has(type) || type === 'RelatedPerson')
    return respondOutcome(400, epicCodes.missingParameter, '_id');
  if (!searchableTypes.has(type) && type !== 'Patient') return respondNotFoundHtml();
  if ([...params.keys()].length === 0) return respondOutcome(400, epicCodes.noParameters);
  return undefined;
}

/** `Patient?_id=` (or `identifier`) finds only the token's own patient; another id finds nothing (4101). */
function readPatientId(params: URLSearchParams, tokenPatient: string): string | Response {
  const ids = params.getAll('_id').map((value) => value.replace(/^Patient\//, ''));
  if (ids.length === 0 && !params.has('identifier'))
    return respondOutcome(400, epicCodes.missingParameter, '_id');
  return ids.every((id) => id === tokenPatient) ? tokenPatient : '';
}

function readPatientParam(
  params: URLSearchParams,
  tokenPatient: string,
  profile: OrgProfile,
): string | Response {
  const values = [...params.getAll('patient'), ...params.getAll('subject')].map((value) =>
    value.replace(/^Patient\//, ''),
  );
  if (values.length === 0) return respondOutcome(400, epicCodes.missingParameter, 'patient');
  if (new Set(values).size > 1) return respondOutcome(400, epicCodes.invalidCombination, 'patient');
  if (values[0] !== tokenPatient) {
    return profile.searchRules === 'epic'
      ? respondOutcome(403, epicCodes.notAuthorized, 'patient')
      : respondNotHeld(profile, 'Patient', 403);
  }
  return tokenPatient;
}

function readCriteria(
  params: URLSearchParams,
  categories?: string[],
  codes?: string[],
): SearchCriteria | Response {
  const dates = parseDateBounds(params.getAll('date'));
  if ('invalid' in dates) return respondOutcome(400, epicCodes.invalidParameter, 'date');
  const lastUpdated = parseDateBounds(params.getAll('_lastUpdated'));
  if ('invalid' in lastUpdated) return respondOutcome(400, epicCodes.invalidParameter, '_lastUpdated');
  return { categories, codes, dates, lastUpdated };
}

function readCount(params: URLSearchParams, pageSize: number, maxPageSize: number): number | Response {
  const raw = params.get('_count');
  if (raw === null) return pageSize;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) return respondOutcome(400, epicCodes.invalidParameter, '_count');
  return Math.min(count, maxPageSize);
}

/** Indices of matching resources the client may see; `omitted` when grants hid some sub-type. */
function findMatches(
  input: SearchInput,
  source: StoredSearch['source'],
  criteria: SearchCriteria,
): { matches: number[]; omitted: boolean } {
  const type = input.resourceType;
  const partial = categorisedTypes.has(type) && input.grants.isPartial('Search', type);
  const matches: number[] = [];
  let omitted = false;
  for (let index = 0; index < source.length; index += 1) {
    const resource = source[index];
    if (!resource || !matchesCriteria(resource, criteria)) continue;
    if (
      partial &&
      !input.grants.allows('Search', type, readCategoryKeys(resource, input.data, input.orgId))
    ) {
      omitted = true;
      continue;
    }
    matches.push(index);
  }
  return { matches, omitted: omitted || (partial && !criteria.categories) };
}
