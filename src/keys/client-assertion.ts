import { SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import { randomToken } from '../crypto/random.ts';
import type { SigningKey } from './key-store.ts';

/** Seconds an assertion lives: under Epic's 5-minute ceiling with a minute to spare for clock skew. */
export const assertionLifetimeSeconds = 240;

/**
 * A private_key_jwt client assertion exactly as docs/epic-facts.md §2 asks: header `alg`, `kid`, `typ: JWT`; claims
 * `iss` = `sub` = client id, `aud` = the token endpoint as one string, a fresh random `jti`, `iat`, and `exp`
 * 240 s ahead. Mint one per token request, retries included; never cache or reuse it.
 */
export async function createClientAssertion(input: {
  key: SigningKey;
  clientId: string;
  tokenEndpoint: string;
  clock: Clock;
}): Promise<string> {
  const { key, clientId, tokenEndpoint, clock } = input;
  if (!clientId) throw new TypeError('a client id is required for a client assertion');
  if (!URL.canParse(tokenEndpoint)) throw new TypeError('the token endpoint must be an absolute URL');
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenEndpoint)
    .setJti(randomToken(32))
    .setIssuedAt(now)
    .setExpirationTime(now + assertionLifetimeSeconds)
    .sign(key.privateKey);
}
