import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { readKeyMaterial, splitPemBlocks } from './key-material.ts';
import {
  ecPem,
  ed25519Pem,
  encryptedPem,
  isError,
  malformedPem,
  pkcs1RsaPem,
  publicPem,
  rsaPem,
} from '../testing/test-keys.ts';

// RFC 7638 §3.1 uses the RSA key of RFC 7517 appendix A.1/A.2; its private exponent and primes are below.
const rfcKey = {
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  d: 'X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q',
  p: '83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPVnwD20R-60eTDmD2ujnMt5PoqMrm8RfmNhVWDtjjMmCMjOpSXicFHj7XOuVIYQyqVWlWEh6dN36GVZYk93N8Bc9vY41xy8B9RzzOGVQzXvNEvn7O0nVbfs',
  q: '3dfOR9cuYq-0S-mkFLzgItgMEfFzB2q3hWehMuG0oCuqnb3vobLyumqjVZQO1dIrdwgTnCdpYzBcOfW5r370AFXjiWft_NGEiovonizhKpo9VVS78TzFgxkIdrecRezsZ-1kYd_s1qDbxtkDEgfAITAG9LUnADun4vIcb6yelxk',
};

const toBig = (b64: string) => BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex')}`);
const toB64 = (value: bigint) => {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r, oldS, s] = [a % m, m, 1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % m) + m) % m;
}

/** The RFC key as PKCS#8 PEM, with the CRT members computed from d, p and q. */
function rfcKeyPem(): string {
  const [d, p, q] = [toBig(rfcKey.d), toBig(rfcKey.p), toBig(rfcKey.q)];
  assert.equal(p * q, toBig(rfcKey.n), 'the RFC primes multiply to the RFC modulus');
  const jwk = {
    kty: 'RSA',
    ...rfcKey,
    dp: toB64(d % (p - 1n)),
    dq: toB64(d % (q - 1n)),
    qi: toB64(modInverse(q, p)),
  };
  return createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

test('RFC 7638 §3.1 vector: the kid of the RFC key read from PEM is its SHA-256 thumbprint', async () => {
  const material = await readKeyMaterial(rfcKeyPem(), "'rfc.pem'");
  assert.equal(material.kid, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  assert.deepEqual(material.publicJwk, {
    kty: 'RSA',
    n: rfcKey.n,
    e: 'AQAB',
    kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    alg: 'RS384',
    use: 'sig',
  });
});

test('public JWKs carry kid, alg, use and the public members only', async () => {
  for (const [pem, alg, members] of [
    [rsaPem(), 'RS384', ['alg', 'e', 'kid', 'kty', 'n', 'use']],
    [ecPem('P-384'), 'ES384', ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']],
    [ecPem('P-256'), 'ES256', ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']],
  ] as const) {
    const material = await readKeyMaterial(pem, "'k.pem'");
    assert.equal(material.alg, alg);
    assert.deepEqual(Object.keys(material.publicJwk).sort(), members);
    assert.equal(material.kid, await calculateJwkThumbprint(material.publicJwk, 'sha256'));
  }
});

test('a preferred alg is honoured within the key type (RS256/RS512 on RSA)', async () => {
  const pem = rsaPem();
  assert.equal((await readKeyMaterial(pem, "'k.pem'", 'RS512')).alg, 'RS512');
  await assert.rejects(
    readKeyMaterial(pem, "'k.pem'", 'ES384'),
    isError(
      'ERR_KEY_INVALID',
      "key 'k.pem' is RSA but its metadata says ES384: correct the alg in keys.json",
    ),
  );
});

test('PKCS#1 RSA PEM is accepted and normalised to PKCS#8', async () => {
  const material = await readKeyMaterial(pkcs1RsaPem(), "'old.pem'");
  assert.match(material.pkcs8Pem, /^-----BEGIN PRIVATE KEY-----/);
});

test('case 12: unusable keys are refused with one line saying the fix', async () => {
  const pemFix =
    'provide an unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----), e.g. from chartbridge keys generate';
  const cases: [string, string][] = [
    [
      rsaPem(1024),
      "key 'k.pem' is a 1024-bit RSA key: use RSA of at least 2048 bits (chartbridge keys generate)",
    ],
    [
      ed25519Pem(),
      "key 'k.pem' has unsupported type ed25519: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)",
    ],
    [
      ecPem('P-521'),
      "key 'k.pem' has unsupported type EC secp521r1: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)",
    ],
    [publicPem(), `key 'k.pem' is a public key or certificate, not a private key: ${pemFix}`],
    [malformedPem(), `key 'k.pem' is malformed PEM: ${pemFix}`],
    ['just some text', `key 'k.pem' is not a PEM private key: ${pemFix}`],
    [
      encryptedPem(),
      "key 'k.pem' is encrypted with a passphrase: decrypt it (openssl pkey -in key.pem -out plain.pem) and keep the file mode 0600",
    ],
  ];
  for (const [pem, message] of cases) {
    await assert.rejects(readKeyMaterial(pem, "'k.pem'"), isError('ERR_KEY_INVALID', message));
  }
});

test('splitPemBlocks finds every concatenated block', () => {
  const [a, b] = [rsaPem(), ecPem('P-384')];
  assert.deepEqual(splitPemBlocks(`${a}\n${b}`), [a.trim(), b.trim()]);
  assert.deepEqual(splitPemBlocks('nothing here'), []);
});
