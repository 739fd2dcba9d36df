import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** The sandbox's own id_token signing key: generated in memory at start, never written anywhere. */
export interface SandboxSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Signs claims as an id_token (RS256, like Epic). */
  sign(claims: Record<string, unknown>, options: { expiresInSeconds: number; now: number }): Promise<string>;
}

export async function createSandboxSigningKey(): Promise<SandboxSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk: JWK = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateKey,
    publicJwk,
    sign: (claims, { expiresInSeconds, now }) => {
      const iat = Math.floor(now / 1000);
      // Claims given explicitly win, so tests can mint an already-expired id_token.
      return new SignJWT({ iat, exp: iat + expiresInSeconds, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(privateKey);
    },
  };
}
