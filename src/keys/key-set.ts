import type { KeyStore, SigningKey } from './key-store.ts';

/** Builds a key store from keys already checked; the first active key signs. */
export function createKeyStore(keys: SigningKey[]): KeyStore {
  const active = keys.find((key) => key.status === 'active');
  if (!active) throw new TypeError('a key store needs an active key');
  const live = orderForJwks(keys.filter((key) => key.status !== 'retired'));
  const jwks = live.map((key) => ({ ...key.publicJwk }));
  return {
    activeKey: () => active,
    publicJwks: () => ({ keys: jwks.map((jwk) => ({ ...jwk })) }),
    rsaPublicJwks: () => ({ keys: jwks.filter((jwk) => jwk.kty === 'RSA').map((jwk) => ({ ...jwk })) }),
    list: () => [...live],
  };
}

/** RSA before EC, then the signing key, then newest first. */
function orderForJwks(keys: SigningKey[]): SigningKey[] {
  const rank = (key: SigningKey) => (key.publicJwk.kty === 'RSA' ? 0 : 2) + (key.status === 'active' ? 0 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt);
}
