import * as oauth from 'oauth4webapi';
import { RECORD_TYPES } from '../fhir/us-core-types.ts';
import type { ScopeVersion } from './granted-scopes.ts';
import { patientReadScope } from './patient-scopes.ts';

/**
 * The resource types a standalone patient launch asks for (docs/epic-facts.md §3): every USCDI v3 / US Core type, the
 * medication and history types, CARIN Blue Button for payers. Servers grant what they serve.
 */
export const DEFAULT_RESOURCE_TYPES = RECORD_TYPES;

/** The launch's scope in the endpoint's grammar: v1 `patient/X.read` (Epic's default) or v2 `patient/X.rs`. */
export function buildLaunchScope(
  resourceTypes: string[] = DEFAULT_RESOURCE_TYPES,
  version: ScopeVersion = 'v1',
): string {
  return [
    'openid',
    'fhirUser',
    'launch/patient',
    'offline_access',
    ...resourceTypes.map((type) => patientReadScope(type, version)),
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

/** The browser redirect that starts a standalone launch (docs/epic-facts.md §3 step 2). */
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
