import * as oauth from 'oauth4webapi';

/** The resource types a standalone patient launch asks for (SMART v1 scopes, EPIC.md §3). */
export const DEFAULT_RESOURCE_TYPES = [
  'Patient',
  'AllergyIntolerance',
  'CarePlan',
  'CareTeam',
  'Condition',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Binary',
  'Encounter',
  'FamilyMemberHistory',
  'Goal',
  'Immunization',
  'Location',
  'Medication',
  'MedicationDispense',
  'MedicationRequest',
  'Observation',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'Provenance',
  'QuestionnaireResponse',
  'RelatedPerson',
  'ServiceRequest',
  'Specimen',
];

export function buildLaunchScope(resourceTypes: string[] = DEFAULT_RESOURCE_TYPES): string {
  return [
    'openid',
    'fhirUser',
    'launch/patient',
    'offline_access',
    ...resourceTypes.map((t) => `patient/${t}.read`),
  ].join(' ');
}

export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
}

/** PKCE with S256 only (never `plain`): a fresh verifier per transaction (case 30). */
export async function createPkcePair(): Promise<PkcePair> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  return { codeVerifier, codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier) };
}

export function calculateCodeChallenge(codeVerifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(codeVerifier);
}

export interface AuthorizationRequest {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  /** The FHIR base: Epic requires `aud` since 2023. */
  aud: string;
  nonce?: string;
}

/** The browser redirect that starts a standalone launch (EPIC.md §3 step 2). */
export function buildAuthorizationUrl(request: AuthorizationRequest): URL {
  const url = new URL(request.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scope);
  url.searchParams.set('state', request.state);
  url.searchParams.set('aud', request.aud);
  url.searchParams.set('code_challenge', request.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (request.nonce) url.searchParams.set('nonce', request.nonce);
  return url;
}
