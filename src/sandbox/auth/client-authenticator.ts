import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { Clock } from '../../clock.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { SandboxClient } from '../model.ts';
import type { JwksCache } from './jwks-cache.ts';
import { OAuthError } from './oauth-error.ts';

export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const assertionAlgorithms = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384'];
const longestAssertionLifeSeconds = 300;
const longestJti = 151;
/** An `iat` this far ahead of our clock is a client clock problem, not skew we tolerate. */
const futureIatToleranceSeconds = 60;

export interface ClientAuthenticator {
  /**
   * Authenticates a token, introspection or revocation request by private_key_jwt only. `audiences` are the
   * URLs the assertion's single-string `aud` may equal. Throws OAuthError('invalid_client' | 'invalid_request').
   */
  authenticate(request: {
    form: URLSearchParams;
    authorization?: string;
    audiences: string[];
  }): Promise<SandboxClient>;
}

const fail = (description: string): OAuthError => new OAuthError('invalid_client', description);

export function createClientAuthenticator(deps: {
  clients: ClientRegistry;
  jwks: JwksCache;
  clock: Clock;
}): ClientAuthenticator {
  /** jti values seen per client, kept until the assertion that carried them has expired. */
  const seenJtis = new Map<string, number>();
  let lastPrune = 0;

  function rememberJti(clientId: string, jti: string, exp: number): void {
    const now = deps.clock.now() / 1000;
    // Pruning walks the whole map, so it runs at most every ten seconds, not per request.
    if (now - lastPrune >= 10) {
      for (const [key, expiry] of seenJtis) if (expiry < now) seenJtis.delete(key);
      lastPrune = now;
    }
    const key = `${clientId}\u0000${jti}`;
    if (seenJtis.has(key))
      throw fail('the client assertion jti was already used; send a fresh jti every time');
    seenJtis.set(key, exp);
  }

  return {
    async authenticate({ form, authorization, audiences }) {
      const assertion = readAssertion(form, authorization);
      const { header, claims } = decodeAssertion(assertion);
      const client = deps.clients.get(String(claims.iss));
      if (!client) throw fail('the client assertion iss is not a registered client id');
      const formClientId = form.get('client_id');
      if (formClientId !== null && formClientId !== client.clientId) {
        throw fail('client_id does not match the client assertion iss');
      }
      if (header.jku !== undefined && header.jku !== client.jwksUrl) {
        throw fail('the client assertion jku is not the registered jwk set url');
      }
      const jwk = await deps.jwks.findKey(client.jwksUrl, header.kid!);
      if (!jwk) throw fail('no key in the client jwk set has the client assertion kid');
      const payload = await verifyAssertion(assertion, jwk, header, client.clientId, deps.clock.now());
      checkClaims(payload, audiences, deps.clock.now());
      rememberJti(client.clientId, payload.jti!, payload.exp!);
      return client;
    },
  };
}

function readAssertion(form: URLSearchParams, authorization: string | undefined): string {
  if (authorization !== undefined || form.has('client_secret')) {
    throw fail('only private_key_jwt client authentication is accepted');
  }
  const type = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (type === null || assertion === null) {
    throw fail('client authentication is required: send client_assertion_type and client_assertion');
  }
  if (type !== jwtBearerAssertionType) throw fail(`client_assertion_type must be ${jwtBearerAssertionType}`);
  return assertion;
}

function decodeAssertion(assertion: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw fail('the client assertion is not a signed jwt');
  }
  if (!header.alg || !assertionAlgorithms.includes(header.alg)) {
    throw fail(`the client assertion alg must be one of ${assertionAlgorithms.join(', ')}`);
  }
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') {
    throw fail('the client assertion header must have typ "JWT"');
  }
  if (typeof header.kid !== 'string' || header.kid === '')
    throw fail('the client assertion header needs a kid');
  if (typeof claims.iss !== 'string') throw fail('the client assertion needs iss = the client id');
  return { header, claims };
}

async function verifyAssertion(
  assertion: string,
  jwk: JWK,
  header: ProtectedHeaderParameters,
  clientId: string,
  now: number,
): Promise<JWTPayload> {
  if (jwk.alg !== undefined && jwk.alg !== header.alg)
    throw fail('the client assertion alg differs from its key alg');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw fail('the client assertion key is not a signing key');
  try {
    const key = await importJWK(jwk, header.alg);
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: [header.alg!],
      issuer: clientId,
      subject: clientId,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'jti', 'aud', 'sub'],
    });
    return payload;
  } catch (error) {
    throw fail(describeJoseFailure(error));
  }
}

function describeJoseFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the client assertion has expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the client assertion signature is invalid';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss' || error.claim === 'sub')
      return 'the client assertion iss and sub must be the client id';
    return `the client assertion claim "${error.claim}" is invalid`;
  }
  return 'the client assertion could not be verified with the client key';
}

function checkClaims(payload: JWTPayload, audiences: string[], nowMs: number): void {
  if (typeof payload.aud !== 'string' || !audiences.includes(payload.aud)) {
    throw fail('the client assertion aud must be exactly the token endpoint url, as a single string');
  }
  const now = nowMs / 1000;
  const exp = payload.exp!;
  if (payload.iat !== undefined && payload.iat > now + futureIatToleranceSeconds) {
    throw fail('the client assertion iat is in the future');
  }
  if (exp - now > longestAssertionLifeSeconds || exp - (payload.iat ?? now) > longestAssertionLifeSeconds) {
    throw fail('the client assertion exp must be at most 5 minutes after it is issued');
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > longestJti) {
    throw fail(`the client assertion jti must be a string of 1 to ${longestJti} characters`);
  }
}
