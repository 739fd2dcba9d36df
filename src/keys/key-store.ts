import path from 'node:path';
import type { CryptoKey, JWK } from 'jose';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  assertPrivateDirectory,
  keyFilePath,
  readKeyFile,
  readKeyIndex,
  readKeyIndexText,
  type KeyRecord,
} from './key-files.ts';
import { createReloadingKeyStore } from './key-reload.ts';
import { createKeyStore } from './key-set.ts';
import {
  keyError,
  readKeyMaterial,
  splitPemBlocks,
  type KeyMaterial,
  type SigningAlg,
} from './key-material.ts';

export type { SigningAlg } from './key-material.ts';
export type { JWK } from 'jose';
export { createKeyStore } from './key-set.ts';

export type KeyStatus = 'active' | 'published' | 'retired';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  /** kid, alg, use 'sig' and the public members only. */
  publicJwk: JWK;
  status: KeyStatus;
  createdAt: number;
}

export interface KeyStore {
  /** The key that signs now. */
  activeKey(): SigningKey;
  /** Every non-retired public key, RSA first (Epic reads the first RSA key), the active key first within a kind. */
  publicJwks(): { keys: JWK[] };
  /** RSA keys only: what Epic accepts when a JWKS is uploaded directly per organisation. */
  rsaPublicJwks(): { keys: JWK[] };
  /** Every loaded (non-retired) key. */
  list(): SigningKey[];
}

export interface LoadKeyStoreOptions {
  /** CHARTBRIDGE_KEYS_DIR: one PEM per key plus keys.json. */
  keysDir?: string;
  /** CHARTBRIDGE_PRIVATE_KEYS: one or more PEM blocks; the first signs, the rest stay published. */
  privateKeysPem?: string;
  clock: Clock;
  /** Where a failed background reload of the keys directory is reported. */
  log?: Logger;
}

/**
 * Loads and checks every signing key once, at start. Anything unusable stops the process with one line that
 * says what to fix (case 12); a key store is never half loaded.
 */
export async function loadKeyStore(options: LoadKeyStoreOptions): Promise<KeyStore> {
  const { keysDir, privateKeysPem, clock } = options;
  if (keysDir && privateKeysPem) {
    throw keyError('both CHARTBRIDGE_KEYS_DIR and CHARTBRIDGE_PRIVATE_KEYS are set: keep only one of them');
  }
  if (privateKeysPem) return createKeyStore(await loadPemKeys(privateKeysPem, clock.now()));
  if (keysDir) return loadDirectoryKeyStore(keysDir, clock, options.log);
  throw new ChartbridgeError(
    'ERR_KEY_NOT_FOUND',
    'no signing key configured: set CHARTBRIDGE_KEYS_DIR (and run chartbridge keys generate) or CHARTBRIDGE_PRIVATE_KEYS',
  );
}

/** A keys directory is followed while the process runs, so rotations need no restart (key-reload.ts). */
async function loadDirectoryKeyStore(dir: string, clock: Clock, log: Logger | undefined): Promise<KeyStore> {
  const version = await readKeyIndexText(dir);
  return createReloadingKeyStore({
    keys: await loadDirectoryKeys(dir),
    version,
    clock,
    readVersion: () => readKeyIndexText(dir),
    load: () => loadDirectoryKeys(dir),
    onReloadError: (error) =>
      log?.warn(
        { code: (error as { code?: string }).code },
        `keys in '${dir}' changed but cannot be loaded, still using the previous keys: ${(error as Error).message}`,
      ),
  });
}

async function loadPemKeys(text: string, now: number): Promise<SigningKey[]> {
  const blocks = splitPemBlocks(text);
  if (blocks.length === 0) {
    throw keyError(
      'CHARTBRIDGE_PRIVATE_KEYS holds no PEM block: set it to one or more PKCS#8 private keys (-----BEGIN PRIVATE KEY-----)',
    );
  }
  const keys: SigningKey[] = [];
  for (const [index, pem] of blocks.entries()) {
    const material = await readKeyMaterial(pem, `#${index + 1} in CHARTBRIDGE_PRIVATE_KEYS`);
    if (keys.some((key) => key.kid === material.kid)) {
      throw keyError(
        `key #${index + 1} in CHARTBRIDGE_PRIVATE_KEYS repeats an earlier key: remove the duplicate`,
      );
    }
    keys.push(toSigningKey(material, index === 0 ? 'active' : 'published', now));
  }
  return keys;
}

async function loadDirectoryKeys(dir: string): Promise<SigningKey[]> {
  await assertPrivateDirectory(dir);
  const records = await readKeyIndex(dir);
  const fix = `run chartbridge keys generate --dir '${dir}'`;
  if (!records || records.length === 0) {
    throw new ChartbridgeError('ERR_KEY_NOT_FOUND', `no signing keys in '${dir}': ${fix}`);
  }
  const active = records.filter((record) => record.status === 'active');
  if (active.length !== 1) {
    throw keyError(
      `'${path.join(dir, 'keys.json')}' marks ${active.length} keys active, not exactly one: run chartbridge keys rotate --dir '${dir}'`,
    );
  }
  const keys: SigningKey[] = [];
  for (const record of records.filter((entry) => entry.status !== 'retired')) {
    keys.push(await loadRecord(dir, record));
  }
  return keys;
}

async function loadRecord(dir: string, record: KeyRecord): Promise<SigningKey> {
  const file = keyFilePath(dir, record.kid);
  const material = await readKeyMaterial(await readKeyFile(file), `'${file}'`, record.alg);
  if (material.kid !== record.kid) {
    throw keyError(
      `key file '${file}' does not hold the key its name says (kid mismatch): restore it from a backup`,
    );
  }
  return toSigningKey(material, record.status, record.createdAt);
}

function toSigningKey(material: KeyMaterial, status: KeyStatus, createdAt: number): SigningKey {
  return {
    kid: material.kid,
    alg: material.alg,
    privateKey: material.privateKey,
    publicJwk: material.publicJwk,
    status,
    createdAt,
  };
}
