import type { FhirResource } from '../model.ts';
import { createHash } from 'node:crypto';
import { createLazyList, createRandom, hashNumbers } from './lazy-list.ts';
import type { MutableDataStore } from './memory-store.ts';
import { buildSyntheticResource } from './synthetic-resources.ts';
import type { createUsernameAllocator } from './usernames.ts';

export interface SyntheticOptions {
  patients: number;
  /** Resources per patient, the Patient included (Binaries for notes come on top). */
  resourcesPerPatient: number;
  seed: number;
}

/** Share of each type in a synthetic chart; what is left after rounding goes to Observation. */
const typeShares: [type: string, code: string, share: number][] = [
  ['Observation', 'ob', 0.62], ['Encounter', 'en', 0.08], ['DiagnosticReport', 'dr', 0.06], ['Condition', 'co', 0.05],
  ['MedicationRequest', 'mr', 0.05], ['Procedure', 'pr', 0.05], ['Immunization', 'im', 0.04],
  ['DocumentReference', 'do', 0.02], ['AllergyIntolerance', 'al', 0.01], ['CarePlan', 'cp', 0.01], ['Goal', 'go', 0.01],
];
const givenNames = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Priya', 'Mateo', 'Hana', 'Ivan'];
const familyNames = ['Garcia', 'Nguyen', 'Smith', 'Okafor', 'Kowalski', 'Tanaka', 'Haddad', 'Silva', 'Novak', 'Brown'];
const spanMs = 10 * 365 * 24 * 3600_000;
const idPattern = /^e([A-Za-z0-9]{10})\.([0-9a-z]+)-([a-z]{2})([0-9a-z]+)-[A-Za-z0-9]+$/;

/** How many resources of each type one synthetic patient has. */
export function planSyntheticChart(resourcesPerPatient: number): Map<string, number> {
  const rest = Math.max(0, resourcesPerPatient - 1);
  const plan = new Map<string, number>();
  for (const [type, , share] of typeShares) plan.set(type, Math.floor(rest * share));
  const assigned = [...plan.values()].reduce((sum, count) => sum + count, 0);
  plan.set('Observation', (plan.get('Observation') ?? 0) + rest - assigned);
  plan.set('Binary', plan.get('DocumentReference') ?? 0);
  return plan;
}

/**
 * Adds `patients` synthetic patients, spread over the organisations in turn. Nothing but the Patient resources is
 * held in memory: every other resource is rebuilt from (seed, patient, type, index) when read, with ascending
 * dates over the ten years before 2026, so the same seed always serves the same chart.
 */
export function addSyntheticPatients(
  store: MutableDataStore,
  orgIds: string[],
  opts: SyntheticOptions,
  usernames: ReturnType<typeof createUsernameAllocator>,
): void {
  const tag = createTag(opts.seed);
  const plan = planSyntheticChart(opts.resourcesPerPatient);
  const build = createBuilder(tag, opts.seed, plan);
  for (let p = 0; p < opts.patients; p += 1) {
    const orgId = orgIds[p % orgIds.length] as string;
    const patient = buildPatient(tag, opts.seed, p);
    const byType = new Map<string, FhirResource[]>([['Patient', [patient]]]);
    for (const [type, count] of plan) {
      if (count > 0) byType.set(type, createLazyList(count, (index) => build(p, type, index)));
    }
    const [name] = patient.name as { given: string[]; family: string }[];
    const given = name?.given[0] ?? '';
    const family = name?.family ?? '';
    store.addPatient(orgId, { id: patient.id, username: usernames.allocate(given, family), displayName: `${given} ${family}` }, byType, {
      lazy: true,
    });
  }
  orgIds.forEach((orgId, orgIndex) => {
    store.addReader(orgId, (type, id) => {
      const parsed = parseSyntheticId(id, tag);
      if (!parsed || parsed.patient >= opts.patients || parsed.patient % orgIds.length !== orgIndex) return undefined;
      if (type === 'Patient' && parsed.type === 'Patient' && parsed.index === 0) return buildPatient(tag, opts.seed, parsed.patient);
      if (parsed.type !== type || parsed.index >= (plan.get(type) ?? 0)) return undefined;
      return build(parsed.patient, type, parsed.index);
    });
  });
}

const typeCodes = new Map<string, string>([...typeShares.map(([type, code]): [string, string] => [type, code]), ['Patient', 'pt'], ['Binary', 'bi']]);
const typesByCode = new Map([...typeCodes].map(([type, code]) => [code, type]));

const fillAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ten letters and digits naming one seed's synthetic ids. */
function createTag(seed: number): string {
  const digest = createHash('sha256').update(`synthetic|${seed}`).digest();
  return Array.from(digest.subarray(0, 10), (byte) => fillAlphabet[byte % fillAlphabet.length]).join('');
}

/**
 * `e{tag}.{patient}-{type}{index}-{pseudo-random fill}`, 70–130 characters like Epic's unconstrained ids (the
 * length varies per id), yet decodable for reads by id.
 */
function createSyntheticId(tag: string, patient: number, type: string, index: number): string {
  const random = createRandom(hashNumbers(patient, index, type.length, type.charCodeAt(0), type.charCodeAt(1)));
  const prefix = `e${tag}.${patient.toString(36)}-${typeCodes.get(type)}${index.toString(36)}-`;
  const length = 70 + Math.floor(random() * 61);
  let fill = '';
  while (prefix.length + fill.length < length) fill += fillAlphabet[Math.floor(random() * fillAlphabet.length)];
  return prefix + fill;
}

function parseSyntheticId(id: string, tag: string): { patient: number; type: string; index: number } | undefined {
  const match = idPattern.exec(id);
  if (!match || match[1] !== tag) return undefined;
  const type = typesByCode.get(match[3] ?? '');
  const patient = parseInt(match[2] ?? '', 36);
  const index = parseInt(match[4] ?? '', 36);
  if (!type || createSyntheticId(tag, patient, type, index) !== id) return undefined;
  return { patient, type, index };
}

function buildPatient(tag: string, seed: number, p: number): FhirResource {
  const random = createRandom(hashNumbers(seed, p, 0, 0));
  const given = givenNames[Math.floor(random() * givenNames.length)] ?? 'Ava';
  const family = familyNames[Math.floor(random() * familyNames.length)] ?? 'Smith';
  const birth = new Date(Date.UTC(1940 + Math.floor(random() * 65), Math.floor(random() * 12), 1 + Math.floor(random() * 28)));
  return {
    resourceType: 'Patient',
    id: createSyntheticId(tag, p, 'Patient', 0),
    meta: { versionId: '1', lastUpdated: '2025-12-31T00:00:00.000Z' },
    identifier: [{ system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14', value: `SYN${seed}-${p}` }],
    name: [{ use: 'official', given: [given], family }],
    gender: random() < 0.5 ? 'female' : 'male',
    birthDate: birth.toISOString().slice(0, 10),
  };
}

function createBuilder(tag: string, seed: number, plan: Map<string, number>) {
  const end = Date.UTC(2025, 11, 31);
  const typeIndex = new Map([...plan.keys()].map((type, index) => [type, index + 1]));
  return (p: number, type: string, index: number): FhirResource => {
    const count = plan.get(type) ?? 1;
    const random = createRandom(hashNumbers(seed, p, typeIndex.get(type) ?? 0, index));
    const step = spanMs / count;
    const date = new Date(Math.floor(end - spanMs + step * index + random() * step)).toISOString();
    const patientId = createSyntheticId(tag, p, 'Patient', 0);
    const binaryId = type === 'DocumentReference' || type === 'Binary' ? createSyntheticId(tag, p, 'Binary', index) : '';
    if (type === 'Binary') return buildBinary(binaryId, createSyntheticId(tag, p, 'DocumentReference', index), date);
    const id = createSyntheticId(tag, p, type, index);
    return buildSyntheticResource(type, { id, patientId, date, random, binaryId });
  };
}

function buildBinary(id: string, documentId: string, date: string): FhirResource {
  const text = `Progress note of ${date.slice(0, 10)}.\nGenerated by the chartbridge sandbox.`;
  return {
    resourceType: 'Binary',
    id,
    meta: { versionId: '1', lastUpdated: date },
    contentType: 'text/plain',
    securityContext: { reference: `DocumentReference/${documentId}` },
    data: Buffer.from(text).toString('base64'),
  };
}
