import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChartbridgeErrorCode } from '../errors.ts';
import { isChartbridgeError } from '../errors.ts';

/** Test-only helpers for the keys tests: fresh directories and PEMs of every kind a user might hand us. */
export async function createTempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'chartbridge-keys-'));
}

export function rsaPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

export function pkcs1RsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
}

export function ecPem(namedCurve: 'P-256' | 'P-384' | 'P-521' | 'secp256k1'): string {
  return generateKeyPairSync('ec', { namedCurve })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

export function ed25519Pem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

export function encryptedPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
    .toString();
}

/** A PEM whose base64 body is damaged. */
export function malformedPem(): string {
  return rsaPem().replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!not-base64!!!!!!');
}

/** A predicate for assert.rejects/throws: the exact code and message. */
export function isError(code: ChartbridgeErrorCode, message: string): (error: unknown) => boolean {
  return (error) => {
    if (isChartbridgeError(error, code) && error.message === message) return true;
    throw new Error(
      `expected ${code}: ${message}\n     got ${(error as { code?: string }).code}: ${(error as Error).message}`,
    );
  };
}
