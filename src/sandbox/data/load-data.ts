import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ChartbridgeError } from '../../errors.ts';
import { patientFixturesDir } from '../fixtures-dir.ts';
import type { FhirResource } from '../model.ts';
import { assignMeta, extractBinaries, shapeCategories } from './epic-shape.ts';
import { createOrgIdRegistry, importBundle, type OrgIdRegistry } from './import-bundle.ts';
import { createMemoryStore, groupByType, type MutableDataStore } from './memory-store.ts';
import { createSummaryDocument } from './summary-document.ts';
import { addSyntheticPatients, type SyntheticOptions } from './synthetic.ts';
import { createUsernameAllocator, readPatientName } from './usernames.ts';
import { createOrganizationList } from './organizations.ts';
import type { IdStyle } from './id-styles.ts';
import { shapePayerRecord } from './payer-record.ts';

export interface LoadDataOptions {
  /** Folders of patient Bundles (`*.json`). Default: the project fixtures, unless `synthetic` is given. */
  folders?: string[];
  /** Also load the 5k-resource merged fixture (skipped by default; always loaded when its folder is given). */
  large?: boolean;
  /** Number of organisations patients are spread over (round-robin in file order). Default 2. */
  organizations?: number;
  synthetic?: SyntheticOptions;
  /** Latest `meta.lastUpdated` the data may carry (epoch ms). Default 2026-01-01T00:00:00Z. */
  asOf?: number;
  /** Each organisation's id style and kind (its server profile); default Epic-style provider. */
  profileOf?: (orgId: string) => { idStyle: IdStyle; kind: 'provider' | 'payer' };
}

export const defaultAsOf = Date.UTC(2026, 0, 1);
const largeFixture = /^large_/;

/**
 * Builds the sandbox's data: every patient Bundle of the given folders (or the fixtures), each patient assigned
 * to one organisation in turn, references resolved to Epic-like ids, categories, meta and Binaries shaped the way
 * Epic serves them, and a deterministic sign-in name per patient (see usernames.ts). Synthetic patients are added
 * after the files, also round-robin.
 */
export async function loadSandboxData(opts: LoadDataOptions = {}): Promise<MutableDataStore> {
  const organizations = createOrganizationList(opts.organizations ?? 2);
  const store = createMemoryStore();
  for (const org of organizations) store.addOrganization(org);
  const profileOf = opts.profileOf ?? (() => ({ idStyle: 'epic' as const, kind: 'provider' as const }));
  const registries = organizations.map((org) => createOrgIdRegistry(org.id, profileOf(org.id).idStyle));
  const usernames = createUsernameAllocator();
  const asOf = opts.asOf ?? defaultAsOf;
  const files = await listBundleFiles(opts);
  for (const [index, file] of files.entries()) {
    const registry = registries[index % registries.length] as OrgIdRegistry;
    const bundle = await readBundle(file);
    const imported = importBundle(bundle, basename(file), registry);
    const payer = profileOf(registry.orgId).kind === 'payer';
    const source = payer ? shapePayerRecord(imported, registry) : imported.compartment;
    const compartment = shapeCompartment(source, imported.patient, registry, asOf);
    for (const resource of imported.shared) assignMeta(resource, asOf);
    store.addShared(registry.orgId, imported.shared.map(orderKeys));
    const { given, family } = readPatientName(imported.patient);
    store.addPatient(
      registry.orgId,
      {
        id: imported.patient.id,
        username: usernames.allocate(given, family),
        displayName: `${given} ${family}`.replace(/\d+/g, '').trim(),
      },
      groupByType(compartment),
    );
  }
  if (opts.synthetic) addSyntheticPatients(store, organizations.map((org) => org.id), opts.synthetic, usernames);
  return store;
}

function shapeCompartment(
  resources: FhirResource[],
  patient: FhirResource,
  registry: OrgIdRegistry,
  asOf: number,
): FhirResource[] {
  const shaped: FhirResource[] = [];
  for (const resource of resources) {
    shapeCategories(resource);
    assignMeta(resource, asOf);
    shaped.push(resource);
    for (const binary of extractBinaries(resource, registry.orgId, registry.newId)) {
      assignMeta(binary, asOf);
      binary.meta = { ...binary.meta, lastUpdated: resource.meta?.lastUpdated };
      shaped.push(binary);
    }
  }
  shaped.push(...createSummaryDocument(patient, registry.orgId, asOf, registry.newId));
  return shaped.map(orderKeys);
}

/** `resourceType`, `id`, `meta` first, as FHIR servers serialise them (some fixtures put `id` first). */
function orderKeys(resource: FhirResource): FhirResource {
  const { resourceType, id, meta, ...rest } = resource;
  return { resourceType, id, ...(meta ? { meta } : {}), ...rest };
}

async function listBundleFiles(opts: LoadDataOptions): Promise<string[]> {
  const explicit = opts.folders !== undefined;
  const folders = opts.folders ?? (opts.synthetic ? [] : [patientFixturesDir]);
  const files: string[] = [];
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      throw new ChartbridgeError('ERR_INVALID_INPUT', `data folder "${folder}" cannot be read; give a folder of FHIR Bundle files`, {
        cause: error,
      });
    }
    const wanted = names.filter((name) => name.endsWith('.json') && (explicit || opts.large || !largeFixture.test(name)));
    files.push(...wanted.sort().map((name) => join(folder, name)));
  }
  return files;
}

async function readBundle(file: string): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `data file "${basename(file)}" is not valid JSON; give FHIR Bundle files`, {
      cause: error,
    });
  }
  if ((parsed as { resourceType?: string } | null)?.resourceType !== 'Bundle') {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `data file "${basename(file)}" is not a FHIR Bundle; give one Bundle per patient`);
  }
  return parsed;
}
