import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import type { SmartTransport } from './oauth-options.ts';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  jwksUri: string | undefined;
  fhirBase: string;
  nonce: string | undefined;
}

export interface IdTokenClaims {
  sub: string;
  fhirUser: string | undefined;
}

const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384'];
/** Case 27: up to ten minutes of clock skew between us and the EHR must still work. */
const CLOCK_TOLERANCE_SECONDS = 600;

/**
 * Validates an id_token (case 7): signature against the issuer's JWKS, `iss`, `aud`, expiry on our clock, the
 * nonce when echoed, and a `fhirUser` that stays on this FHIR server.
 */
export async function verifyIdToken(
  idToken: string,
  expected: IdTokenExpectations,
  context: { transport: SmartTransport; clock: Clock },
): Promise<IdTokenClaims> {
  if (!expected.jwksUri)
    throw idTokenError(expected.issuer, 'the server publishes no jwks_uri to verify it with');
  const jwks = await fetchJwks(expected.jwksUri, expected.issuer, context.transport);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      currentDate: new Date(context.clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp'],
    }));
  } catch (error) {
    throw idTokenError(expected.issuer, describeJoseError(error));
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw idTokenError(expected.issuer, "'sub' is missing");
  if (payload.nonce !== undefined && payload.nonce !== expected.nonce)
    throw idTokenError(expected.issuer, "'nonce' does not match the launch");
  const fhirUser = typeof payload.fhirUser === 'string' ? payload.fhirUser : undefined;
  if (fhirUser !== undefined && !isOnFhirServer(fhirUser, expected.fhirBase)) {
    throw idTokenError(expected.issuer, "'fhirUser' points at another server");
  }
  return { sub: payload.sub, fhirUser };
}

/** `Patient/123` or an absolute URL under the connection's FHIR base; nothing else. */
export function isOnFhirServer(reference: string, fhirBase: string): boolean {
  if (/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,200}$/.test(reference)) return true;
  if (!URL.canParse(reference)) return false;
  const url = new URL(reference);
  const base = new URL(fhirBase);
  return (
    url.origin === base.origin &&
    !url.username &&
    !url.password &&
    url.pathname.startsWith(`${base.pathname.replace(/\/$/, '')}/`)
  );
}

async function fetchJwks(jwksUri: string, issuer: string, transport: SmartTransport): Promise<JSONWebKeySet> {
  let response: Response;
  try {
    response = await transport.fetch(jwksUri, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
  } catch {
    throw idTokenError(issuer, 'the issuer jwks could not be fetched');
  }
  const text = response.ok ? await response.text() : '';
  try {
    const jwks = JSON.parse(text) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new TypeError('no keys');
    return jwks;
  } catch {
    throw idTokenError(issuer, `the issuer jwks is unusable (http ${response.status})`);
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `unexpected '${error.claim}' claim`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no issuer key matches its kid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  return 'it is malformed';
}

function idTokenError(issuer: string, reason: string): ChartbridgeError {
  return new ChartbridgeError('ERR_ID_TOKEN_INVALID', `id_token from '${issuer}' rejected: ${reason}`);
}
