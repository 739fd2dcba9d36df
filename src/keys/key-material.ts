import { createPrivateKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { ChartbridgeError } from '../errors.ts';

export type SigningAlg = 'RS384' | 'RS256' | 'RS512' | 'ES384' | 'ES256';

export const signingAlgs: readonly SigningAlg[] = ['RS384', 'RS256', 'RS512', 'ES384', 'ES256'];

/** The smallest RSA modulus Epic (and we) accept. */
export const minimumRsaBits = 2048;

/** A private key checked and turned into what signing and the JWKS need. */
export interface KeyMaterial {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** PKCS#8 PEM, only so generate/rotate can write it; never logged or served. */
  pkcs8Pem: string;
}

const pemFix =
  'provide an unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----), e.g. from chartbridge keys generate';

/**
 * Reads one PEM private key, refusing anything Epic would reject or that is not a usable signing key
 * (case 12). `name` says where the key came from (a file path or an env position) for the message.
 */
export async function readKeyMaterial(
  pem: string,
  name: string,
  preferredAlg?: SigningAlg,
): Promise<KeyMaterial> {
  const keyObject = parsePrivateKey(pem, name);
  const alg = chooseAlg(keyObject, name, preferredAlg);
  const pkcs8Pem = keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateKey = await importPKCS8(pkcs8Pem, alg);
  const full = keyObject.export({ format: 'jwk' }) as JWK;
  const members =
    full.kty === 'RSA'
      ? { kty: 'RSA', n: full.n, e: full.e }
      : { kty: 'EC', crv: full.crv, x: full.x, y: full.y };
  const kid = await calculateJwkThumbprint(members as JWK, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...members, kid, alg, use: 'sig' }, pkcs8Pem };
}

/** Splits a string holding one or more concatenated PEM blocks (CHARTBRIDGE_PRIVATE_KEYS). */
export function splitPemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((match) => match[0]);
}

function parsePrivateKey(pem: string, name: string): KeyObject {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (label === undefined) {
    throw keyError(`key ${name} is not a PEM private key: ${pemFix}`);
  }
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY' || label === 'CERTIFICATE') {
    throw keyError(`key ${name} is a public key or certificate, not a private key: ${pemFix}`);
  }
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw keyError(
      `key ${name} is encrypted with a passphrase: decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the file mode 0600`,
    );
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw keyError(`key ${name} is malformed PEM: ${pemFix}`, cause);
  }
}

/** Node reports OpenSSL curve names; JOSE uses the NIST ones. */
const curveNames: Record<string, string> = {
  'P-256': 'P-256',
  prime256v1: 'P-256',
  'P-384': 'P-384',
  secp384r1: 'P-384',
};

function chooseAlg(keyObject: KeyObject, name: string, preferred: SigningAlg | undefined): SigningAlg {
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < minimumRsaBits) {
      throw keyError(
        `key ${name} is a ${bits}-bit RSA key: use RSA of at least ${minimumRsaBits} bits (chartbridge keys generate)`,
      );
    }
    return matchAlg(preferred, 'RS', 'RS384', name, 'RSA');
  }
  const curve = type === 'ec' ? curveNames[details.namedCurve ?? ''] : undefined;
  if (curve === 'P-384') return matchAlg(preferred, 'ES384', 'ES384', name, 'EC P-384');
  if (curve === 'P-256') return matchAlg(preferred, 'ES256', 'ES256', name, 'EC P-256');
  const kind = type === 'ec' ? `EC ${details.namedCurve ?? 'unknown-curve'}` : (type ?? 'unknown');
  throw keyError(
    `key ${name} has unsupported type ${kind}: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)`,
  );
}

function matchAlg(
  preferred: SigningAlg | undefined,
  prefix: string,
  fallback: SigningAlg,
  name: string,
  kind: string,
): SigningAlg {
  if (preferred === undefined) return fallback;
  if (preferred.startsWith(prefix)) return preferred;
  throw keyError(`key ${name} is ${kind} but its metadata says ${preferred}: correct the alg in keys.json`);
}

export function keyError(message: string, cause?: unknown): ChartbridgeError {
  return new ChartbridgeError('ERR_KEY_INVALID', message, { cause });
}
