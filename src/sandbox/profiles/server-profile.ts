import { ChartbridgeError } from '../../errors.ts';

/**
 * Server-behaviour profiles: each one makes the sandbox fail a client the way a family of real FHIR servers does
 * (../shared/REAL-WORLD.md; docs/sandbox.md "Profiles" maps every behaviour to its profile). A profile is data:
 * the FHIR server, the data loader and `expectedRecord` read the same switches, so they never disagree.
 */
export const profileNames = [
  'epic',
  'category-required',
  'case-shifted-links',
  'sparse-capability',
  'sparse-capability-401',
  'sparse-capability-500',
  'everything-only',
  'flaky-attachments',
  'smart-v2',
] as const;

export type ProfileName = (typeof profileNames)[number];

export interface ServerProfile {
  name: ProfileName;
  vendor: 'epic' | 'generic';
  kind: 'provider' | 'payer';
  /** The FHIR base under the organisation: `{origin}/{orgId}/{fhirPath}`. */
  fhirPath: string;
  /** Shape of the ids the data loader assigns (see data/id-styles.ts). */
  idStyle: 'epic' | 'generic' | 'payer';
  /** `full`: types with search parameters; `sparse`: types only; `needs-token`: 401 without one; `fails`: 500. */
  metadata: 'full' | 'sparse' | 'needs-token' | 'fails';
  /** `epic`: docs/epic-facts.md §5's rules and OperationOutcome codes; `generic`: a US Core server's. */
  searchRules: 'epic' | 'generic';
  /** How an Observation search by patient alone is refused (undefined: allowed, for generic servers). */
  observationNeeds?: 'category-or-code' | 'hapi-parameters';
  /** Shape of `next` links (see fhir/paging-links.ts). */
  paging: 'epic-session' | 'hapi-getpages' | 'case-shifted' | 'plain-cursor';
  /** `page`: matches on this page (Epic); `exact`; `unreliable`: missing on first pages, wrong on later ones. */
  total: 'page' | 'exact' | 'unreliable';
  /** `epic`: 4101/4119 on every page; `empty-only`: 4101 when nothing matched; `none`. */
  outcomeEntry: 'epic' | 'empty-only' | 'none';
  /** Answer to a type outside the token's scopes: Epic's empty 403, a 401, or a 403 OperationOutcome. */
  outsideGrant: 'forbidden-empty' | 'unauthorized' | 'forbidden-outcome';
  /** Types the CapabilityStatement lists but whose search answers 500. */
  brokenSearchTypes: string[];
  /** Only `Patient/{id}/$everything` and reads by id; per-type searches answer 400 (listed) or 404. */
  everythingOnly: boolean;
  /** Reads of Practitioner, Organization, Location: Epic's 1-in-5 403 (`epic`), always 500, or always served. */
  sharedReads: 'epic' | 'server-error' | 'ok';
  /** `flaky`: some Binaries always 500 or 403, some attachments at `{fhirBase}/document/pdf-…` or another host. */
  attachments: 'binary' | 'flaky';
  /** Token-response members this server leaves out (REAL-WORLD.md "Tokens"). */
  tokenOmits: ('expires_in' | 'scope' | 'refresh_token')[];
  /**
   * SMART App Launch 2.0 (issue 18): discovery lists `permission-v2` and granular scopes, the consent page lets the
   * patient untick types and categories, and apps are registered with a scope version (a client's own
   * `scopeVersion` wins): a request with resource scopes of the other version only is refused (`invalid_scope`).
   * Undefined: the v1 server of the other profiles.
   */
  smartV2?: { registration: 'v1' | 'v2' };
}

const epic: ServerProfile = {
  name: 'epic',
  vendor: 'epic',
  kind: 'provider',
  fhirPath: 'api/FHIR/R4',
  idStyle: 'epic',
  metadata: 'full',
  searchRules: 'epic',
  paging: 'epic-session',
  total: 'page',
  outcomeEntry: 'epic',
  outsideGrant: 'forbidden-empty',
  brokenSearchTypes: [],
  everythingOnly: false,
  sharedReads: 'epic',
  attachments: 'binary',
  tokenOmits: [],
};

const generic: Omit<ServerProfile, 'name'> = {
  ...epic,
  vendor: 'generic',
  fhirPath: 'fhir/r4',
  idStyle: 'generic',
  searchRules: 'generic',
  paging: 'plain-cursor',
  total: 'exact',
  outcomeEntry: 'none',
  outsideGrant: 'forbidden-outcome',
  sharedReads: 'ok',
};

const profiles: Record<ProfileName, ServerProfile> = {
  epic,
  'category-required': {
    ...generic,
    name: 'category-required',
    observationNeeds: 'category-or-code',
    paging: 'hapi-getpages',
    outsideGrant: 'unauthorized',
    brokenSearchTypes: ['MedicationStatement'],
    tokenOmits: ['expires_in'],
  },
  'case-shifted-links': {
    ...generic,
    name: 'case-shifted-links',
    paging: 'case-shifted',
    total: 'unreliable',
    outcomeEntry: 'empty-only',
  },
  'sparse-capability': {
    ...generic,
    name: 'sparse-capability',
    metadata: 'sparse',
    observationNeeds: 'hapi-parameters',
    tokenOmits: ['scope'],
  },
  'sparse-capability-401': { ...generic, name: 'sparse-capability-401', metadata: 'needs-token' },
  'sparse-capability-500': {
    ...generic,
    name: 'sparse-capability-500',
    metadata: 'fails',
    tokenOmits: ['refresh_token'],
  },
  'everything-only': {
    ...generic,
    name: 'everything-only',
    kind: 'payer',
    idStyle: 'payer',
    everythingOnly: true,
    sharedReads: 'server-error',
  },
  'flaky-attachments': { ...epic, name: 'flaky-attachments', attachments: 'flaky' },
  'smart-v2': { ...generic, name: 'smart-v2', smartV2: { registration: 'v2' } },
};

export const defaultProfile: ServerProfile = epic;

export function isProfileName(name: string): name is ProfileName {
  return (profileNames as readonly string[]).includes(name);
}

/** The profile of that name; unknown names are refused with the list of known ones. */
export function getProfile(name: string): ServerProfile {
  if (!isProfileName(name)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `sandbox profile "${name.slice(0, 40)}" is unknown: use one of ${profileNames.join(', ')}`,
    );
  }
  return profiles[name];
}
