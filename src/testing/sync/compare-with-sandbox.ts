import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import type { Store } from '../../store/database.ts';
import { EPIC_PLAIN_TYPES } from '../../sync/epic-plan.ts';
import { REFERENCE_TYPES } from '../../sync/references.ts';

/** Every type the Epic plan searches (Observation, Condition and CarePlan by category; the rest plainly). */
export const SEARCHED_TYPES = ['Observation', 'Condition', 'CarePlan', ...EPIC_PLAIN_TYPES];

/** Content hash independent of key order: what the sandbox holds and what we stored must hash alike. */
export function hashCanonical(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(sortKeys(value)))
    .digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** `Type/id → hash` of what the sandbox holds for the patient (searched types and the Patient). */
export function expectedRecord(sandbox: Sandbox, orgId: string, patientId: string): Map<string, string> {
  const expected = new Map<string, string>();
  for (const type of SEARCHED_TYPES) {
    for (const resource of sandbox.data.patientResources(orgId, patientId, type)) {
      expected.set(`${type}/${resource.id}`, hashCanonical(resource));
    }
  }
  const patient = sandbox.data.read(orgId, 'Patient', patientId);
  if (patient) expected.set(`Patient/${patientId}`, hashCanonical(patient));
  // Provenance comes with the searches (`_revinclude=Provenance:target`, the patient's own with `Patient?_id`):
  // the ones that target what they found.
  for (const provenance of sandbox.data.patientResources(orgId, patientId, 'Provenance')) {
    const targets = (provenance.target as { reference?: string }[] | undefined) ?? [];
    if (targets.some((target) => expected.has(target.reference ?? '')))
      expected.set(`Provenance/${provenance.id}`, hashCanonical(provenance));
  }
  return expected;
}

export async function storedRecord(store: Store, connectionId: string): Promise<Map<string, string>> {
  const rows = await store.db
    .selectFrom('resources')
    .select(['resource_type', 'resource_id', 'json'])
    .where('connection_id', '=', connectionId)
    .execute();
  return new Map(rows.map((r) => [`${r.resource_type}/${r.resource_id}`, hashCanonical(JSON.parse(r.json))]));
}

/**
 * Asserts the store holds exactly the sandbox's resources of the searched types (ids and content), and that
 * every referenced resource we stored is identical to the sandbox's copy.
 */
export async function assertRecordMatchesSandbox(
  store: Store,
  sandbox: Sandbox,
  connectionId: string,
  orgId: string,
  patientId: string,
): Promise<number> {
  const expected = expectedRecord(sandbox, orgId, patientId);
  const stored = await storedRecord(store, connectionId);
  const searched = [...stored].filter(([key]) => !REFERENCE_TYPES.includes(key.split('/')[0]!));
  assert.deepEqual(new Map(searched.sort()), new Map([...expected].sort()));
  for (const [key, hash] of stored) {
    const [type, id] = key.split('/') as [string, string];
    if (!REFERENCE_TYPES.includes(type)) continue;
    assert.equal(hash, hashCanonical(sandbox.data.read(orgId, type, id)), key);
  }
  return expected.size;
}
