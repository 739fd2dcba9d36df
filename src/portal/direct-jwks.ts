import { readFileSync } from 'node:fs';
import { ChartbridgeError } from '../errors.ts';

/**
 * The JWK Set uploaded per organisation in direct mode (docs/epic-facts.md §2, §6): RSA public keys only, each with `kid`
 * and `alg`. EC keys are dropped (Epic rejects them in direct uploads; they still work through the JWK Set URL),
 * and any private member makes the set unusable — it would hand the private key to every Epic customer.
 */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Serialises the RSA keys of a JWK Set for TestJWKS/ProdJWKS, or explains what is wrong with it. */
export function buildDirectJwks(keys: PublicJwk[], source: string): string {
  if (keys.some((key) => PRIVATE_MEMBERS.some((member) => member in key))) {
    throw new ChartbridgeError(
      'ERR_KEY_INVALID',
      `the jwks from ${source} contains private key members: give the public jwks ('chartbridge keys jwks')`,
    );
  }
  const rsa = keys.filter(
    (key) => key.kty === 'RSA' && typeof key.n === 'string' && typeof key.e === 'string',
  );
  if (rsa.length === 0) {
    throw new ChartbridgeError(
      'ERR_KEY_NOT_FOUND',
      `no rsa public key in ${source}: epic accepts only rsa keys uploaded directly; run 'chartbridge keys generate' (rs384)`,
    );
  }
  const missing = rsa.find((key) => !key.kid || !key.alg);
  if (missing) {
    throw new ChartbridgeError(
      'ERR_KEY_INVALID',
      `a key in ${source} has no kid or alg: every uploaded key needs both ('chartbridge keys jwks' adds them)`,
    );
  }
  return JSON.stringify({ keys: rsa.map((key) => ({ ...key, use: key.use ?? 'sig' })) });
}

/** Reads a JWK Set file (for instance the output of `chartbridge keys jwks`). */
export function readJwksFile(path: string): PublicJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `cannot read the jwks file '${path}': give a JSON JWK Set`,
      {
        cause: error,
      },
    );
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `the jwks file '${path}' has no "keys" array`);
  }
  return keys as PublicJwk[];
}
