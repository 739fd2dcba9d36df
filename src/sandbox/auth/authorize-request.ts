import type { SandboxClient } from '../model.ts';
import type { OrgUrls } from './org-urls.ts';

/** A validated authorization request, kept server-side while the patient signs in and consents. */
export interface AuthorizeRequest {
  orgId: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scopes: string[];
  codeChallenge: string;
  nonce?: string;
  loginHint?: string;
}

export type AuthorizeValidation =
  | { kind: 'ok'; request: AuthorizeRequest }
  /** Client or redirect URI cannot be trusted: show a page, never redirect (RFC 6749 §4.1.2.1). */
  | { kind: 'page'; message: string }
  | { kind: 'redirect'; redirectUri: string; state?: string; error: string; description: string };

const codeChallengePattern = /^[A-Za-z0-9_-]{43}$/;
const longestParam = 4096;

/**
 * Checks an authorize request as strictly as Epic or more: registered client, exact redirect URI, response_type
 * code, state, aud = this organisation's FHIR base, PKCE S256 only, no repeated or oversized parameters.
 */
export function validateAuthorizeRequest(
  query: URLSearchParams,
  orgId: string,
  urls: OrgUrls,
  findClient: (clientId: string) => SandboxClient | undefined,
): AuthorizeValidation {
  const repeated = [...new Set(query.keys())].find((name) => query.getAll(name).length > 1);
  if (repeated) return { kind: 'page', message: `parameter "${repeated}" is repeated` };
  const oversized = [...query.keys()].find((name) => (query.get(name) ?? '').length > longestParam);
  if (oversized) return { kind: 'page', message: `parameter "${oversized}" is too long` };
  const client = findClient(query.get('client_id') ?? '');
  if (!client) return { kind: 'page', message: 'client_id is missing or not registered with this sandbox' };
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) {
    return {
      kind: 'page',
      message: 'redirect_uri is missing or not registered for this client (exact match)',
    };
  }
  const state = query.get('state') ?? undefined;
  const reject = (error: string, description: string): AuthorizeValidation => ({
    kind: 'redirect',
    redirectUri,
    state,
    error,
    description,
  });
  const responseType = query.get('response_type');
  if (responseType === null) return reject('invalid_request', 'response_type is required');
  if (responseType !== 'code') return reject('unsupported_response_type', 'response_type must be code');
  if (!state) return reject('invalid_request', 'state is required');
  const aud = query.get('aud');
  if (!aud) return reject('invalid_request', 'aud is required: send the FHIR base url');
  if (aud !== urls.fhirBase && aud !== `${urls.fhirBase}/`) {
    return reject('invalid_request', "aud does not match this organisation's FHIR base url");
  }
  const method = query.get('code_challenge_method');
  const challenge = query.get('code_challenge');
  if (!challenge || !method)
    return reject('invalid_request', 'PKCE is required: code_challenge with method S256');
  if (method !== 'S256') return reject('invalid_request', 'code_challenge_method must be S256');
  if (!codeChallengePattern.test(challenge))
    return reject('invalid_request', 'code_challenge is not S256-shaped');
  const scopes = (query.get('scope') ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return reject('invalid_scope', 'scope is required');
  const nonce = query.get('nonce') ?? undefined;
  const loginHint = query.get('login_hint') ?? undefined;
  const request = { orgId, clientId: client.clientId, redirectUri, state, scopes, codeChallenge: challenge };
  return { kind: 'ok', request: { ...request, nonce, loginHint } };
}

/** The redirect back to the client: parameters appended to the registered URI, `iss` per RFC 9207. */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}
