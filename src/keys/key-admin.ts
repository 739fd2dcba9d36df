import { generateKeyPair } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { systemClock, type Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import {
  keyFilePath,
  readKeyIndex,
  withKeysLock,
  writeKeyFile,
  writeKeyIndex,
  type KeyRecord,
} from './key-files.ts';
import { readKeyMaterial, type SigningAlg } from './key-material.ts';

// The operator's key chores on a keys directory (`chartbridge keys …`). Each one takes the directory lock,
// writes the new key file before keys.json, and removes what it wrote if a later step fails.

/** Assertions live 240 s; five minutes after a key stops signing, nothing it signed can still be presented. */
export const retireGraceMs = 5 * 60 * 1000;

export interface KeyAdminOptions {
  clock?: Clock;
}

/**
 * Adds a key. In an empty directory it becomes the active key; otherwise it is published beside the active key
 * without signing, so EHRs can fetch it before `rotateKeys` switches to it (docs/epic-facts.md §2 rotation).
 */
export async function generateKey(
  dir: string,
  options: KeyAdminOptions & { alg?: SigningAlg } = {},
): Promise<KeyRecord> {
  const now = (options.clock ?? systemClock).now();
  return withKeysLock(dir, async () => {
    const records = (await readKeyIndex(dir)) ?? [];
    const hasActive = records.some((record) => record.status === 'active');
    const record: KeyRecord = {
      ...(await createKeyFile(dir, options.alg ?? 'RS384')),
      status: hasActive ? 'published' : 'active',
      createdAt: now,
      ...(hasActive ? {} : { activatedAt: now }),
    };
    await saveOrUndo(dir, [...records, record], record.kid);
    return record;
  });
}

export interface RotationResult {
  previous: KeyRecord;
  active: KeyRecord;
  /** True when rotate had to create the key (no key was published ahead of time). */
  generated: boolean;
}

/**
 * Makes a new key the signing key; the old one stays published until `retireKey`. Uses the newest key that was
 * published ahead of time (by `generateKey`) if there is one, else creates one with the old key's algorithm.
 */
export async function rotateKeys(
  dir: string,
  options: KeyAdminOptions & { alg?: SigningAlg } = {},
): Promise<RotationResult> {
  const now = (options.clock ?? systemClock).now();
  return withKeysLock(dir, async () => {
    const records = await readKeyIndex(dir);
    const previous = records?.find((record) => record.status === 'active');
    if (!records || !previous) {
      throw new ChartbridgeError(
        'ERR_KEY_NOT_FOUND',
        `no active key in '${dir}': run chartbridge keys generate --dir '${dir}'`,
      );
    }
    const staged = findStaged(records, options.alg);
    const next = staged ?? {
      ...(await createKeyFile(dir, options.alg ?? previous.alg)),
      status: 'published' as const,
      createdAt: now,
    };
    const demoted: KeyRecord = { ...previous, status: 'published', deactivatedAt: now };
    const promoted: KeyRecord = { ...next, status: 'active', activatedAt: now };
    const updated = records.map((record) =>
      record.kid === previous.kid ? demoted : record.kid === promoted.kid ? promoted : record,
    );
    if (!staged) updated.push(promoted);
    await saveOrUndo(dir, updated, staged ? undefined : promoted.kid);
    return { previous: demoted, active: promoted, generated: !staged };
  });
}

/** Newest key published ahead of use that has never signed. */
function findStaged(records: KeyRecord[], alg: SigningAlg | undefined): KeyRecord | undefined {
  return records
    .filter(
      (r) => r.status === 'published' && r.activatedAt === undefined && (alg === undefined || r.alg === alg),
    )
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

/**
 * Removes a key from the JWKS and deletes its private key file. Refuses the active key, and a key that stopped
 * signing less than five minutes ago unless `force` (its assertions may still be in flight).
 */
export async function retireKey(
  dir: string,
  kid: string,
  options: KeyAdminOptions & { force?: boolean } = {},
): Promise<KeyRecord> {
  const now = (options.clock ?? systemClock).now();
  return withKeysLock(dir, async () => {
    const records = (await readKeyIndex(dir)) ?? [];
    const record = records.find((entry) => entry.kid === kid);
    if (!record) {
      throw new ChartbridgeError(
        'ERR_KEY_NOT_FOUND',
        `no key with kid '${kid}' in '${dir}': see chartbridge keys list`,
      );
    }
    assertRetirable(record, now, options.force === true);
    const retired: KeyRecord = { ...record, status: 'retired', deactivatedAt: record.deactivatedAt ?? now };
    await writeKeyIndex(
      dir,
      records.map((entry) => (entry.kid === kid ? retired : entry)),
    );
    // The private key is never needed again once its public key is gone from the JWKS.
    await rm(keyFilePath(dir, kid), { force: true });
    return retired;
  });
}

function assertRetirable(record: KeyRecord, now: number, force: boolean): void {
  if (record.status === 'active') {
    throw new ChartbridgeError(
      'ERR_CONFLICT',
      `key '${record.kid}' is the active signing key: run chartbridge keys rotate first, then retire it`,
    );
  }
  if (record.status === 'retired') {
    throw new ChartbridgeError('ERR_CONFLICT', `key '${record.kid}' is already retired`);
  }
  const since = record.deactivatedAt === undefined ? Infinity : now - record.deactivatedAt;
  if (!force && since < retireGraceMs) {
    throw new ChartbridgeError(
      'ERR_CONFLICT',
      `key '${record.kid}' stopped signing less than 5 minutes ago and its assertions may still be in use: retry later or pass --force`,
    );
  }
}

/** Every record of a keys directory (retired ones included), for `keys list`. */
export async function listKeyRecords(dir: string): Promise<KeyRecord[]> {
  return (await readKeyIndex(dir)) ?? [];
}

async function createKeyFile(dir: string, alg: SigningAlg): Promise<{ kid: string; alg: SigningAlg }> {
  const material = await readKeyMaterial(await generatePem(alg), 'being generated', alg);
  await writeKeyFile(keyFilePath(dir, material.kid), material.pkcs8Pem);
  return { kid: material.kid, alg };
}

function generatePem(alg: SigningAlg): Promise<string> {
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string) =>
      error ? reject(error) : resolve(privateKey);
    if (alg.startsWith('RS')) {
      generateKeyPair('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding }, done);
    } else {
      const namedCurve = alg === 'ES256' ? 'P-256' : 'P-384';
      generateKeyPair('ec', { namedCurve, publicKeyEncoding, privateKeyEncoding }, done);
    }
  });
}

/** Saves keys.json; if that fails, deletes the key file this command just wrote so nothing half-done remains. */
async function saveOrUndo(dir: string, records: KeyRecord[], newKid: string | undefined): Promise<void> {
  try {
    await writeKeyIndex(dir, records);
  } catch (error) {
    if (newKid) await rm(keyFilePath(dir, newKid), { force: true });
    throw error;
  }
}
