import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureFolder } from '../config/folder-paths.ts';
import { randomToken } from '../crypto/random.ts';
import { generateEncryptionKey } from '../crypto/sealer.ts';
import { generateKey } from '../keys/key-admin.ts';
import { readKeyIndex } from '../keys/key-files.ts';
import type { SandboxOrgInfo } from '../sandbox/sandbox.ts';
import type { Kysely } from 'kysely';
import { toSearchText } from '../directory/bundle-entry-mapper.ts';
import { createDirectoryManualRepository } from '../store/directory-manual-repository.ts';
import type { Database } from '../store/schema.ts';

export const DEMO_CLIENT_ID = 'chartbridge-demo-nonprod';

export interface DemoSecrets {
  dataDir: string;
  keysDir: string;
  encryptionKey: string;
  apiKey: string;
  /** True when the API key was generated (or read from ./data) rather than given in CHARTBRIDGE_API_KEY. */
  apiKeyFromFile: boolean;
}

/**
 * Zero configuration: everything the demo needs lives in the data folder, created on first run with owner-only
 * permissions (folder 0700, secret files 0600). Values from the environment win over the files.
 */
export function prepareDemoSecrets(
  dataDirOption: string,
  env: Record<string, string | undefined>,
): DemoSecrets {
  const dataDir = resolve(dataDirOption);
  ensureFolder(dataDir, '--data');
  const encryptionKey =
    env.CHARTBRIDGE_ENCRYPTION_KEY ??
    readOrCreateSecret(join(dataDir, 'encryption.key'), generateEncryptionKey);
  const apiKey =
    env.CHARTBRIDGE_API_KEY ?? readOrCreateSecret(join(dataDir, 'api-key'), () => `cb_${randomToken(24)}`);
  const keysDir = env.CHARTBRIDGE_KEYS_DIR ?? join(dataDir, 'keys');
  return { dataDir, keysDir, encryptionKey, apiKey, apiKeyFromFile: env.CHARTBRIDGE_API_KEY === undefined };
}

function readOrCreateSecret(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return value;
}

/** A dev signing key (RS384, file 0600) in the keys folder on first run. */
export async function ensureDemoSigningKey(keysDir: string): Promise<void> {
  const records = await readKeyIndex(keysDir);
  if (!records?.some((record) => record.status === 'active')) await generateKey(keysDir);
}

/**
 * The sandbox hospitals become manual directory entries (non-production) with their profile's vendor (`epic`, or
 * `generic` for the generic and payer profiles), so the picker and API list them and sync picks the right plan.
 */
export async function registerSandboxHospitals(
  db: Kysely<Database>,
  orgs: SandboxOrgInfo[],
  now: number,
): Promise<void> {
  const manual = createDirectoryManualRepository(db);
  for (const org of orgs) {
    await manual.upsert({
      organizationId: `sandbox-${org.id}`,
      name: org.name,
      city: null,
      state: null,
      searchText: toSearchText({ name: org.name, aliases: [], city: null, state: null, website: null }),
      endpointId: `sandbox-${org.id}`,
      fhirBase: org.fhirBase,
      vendor: org.vendor,
      kind: org.kind,
      environment: 'non-production',
      clientId: null,
      now,
    });
  }
}
