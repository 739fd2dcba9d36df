import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSandboxData } from '../../sandbox/data/load-data.ts';
import { computeExpectedRecord } from './expected-record.ts';
import type { RecordKey } from './measure-record.ts';

const data = await loadSandboxData();
const patientNamed = (username: string) => {
  for (const org of data.organizations()) {
    const patient = org.patients.find((p) => p.username === username);
    if (patient) return { orgId: org.id, patientId: patient.id };
  }
  throw new Error(`no sandbox patient '${username}'`);
};
const countByType = (keys: RecordKey[]) => {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key.resourceType] = (counts[key.resourceType] ?? 0) + 1;
  return counts;
};

test('the whole served record of a US Core patient: searchable types, Binaries, Provenance, referenced reads', () => {
  const record = computeExpectedRecord({ data, ...patientNamed('amybaxter'), scopes: [] });
  // uscore_bundle_patient_907: Patient, Encounter, a Provenance targeting the Encounter, and the sandbox's C-CDA.
  assert.deepEqual(countByType(record), {
    Patient: 1,
    Encounter: 1,
    DocumentReference: 1,
    Binary: 1,
    Provenance: 1,
  });
});

test('scopes narrow the record: a type outside them, and the Binaries of documents not granted, are not expected', () => {
  const record = computeExpectedRecord({
    data,
    ...patientNamed('amybaxter'),
    scopes: ['patient/Patient.read', 'patient/Encounter.read', 'patient/Binary.read'],
  });
  assert.deepEqual(countByType(record), { Patient: 1, Encounter: 1 });
});

test('types the server cannot serve (Claim, ExplanationOfBenefit) are not expected', () => {
  const record = computeExpectedRecord({ data, ...patientNamed('christianbalistreri'), scopes: [] });
  const counts = countByType(record);
  assert.equal(counts.Claim, undefined);
  assert.equal(counts.ExplanationOfBenefit, undefined);
  assert.equal(counts.Observation, 58);
  assert.equal(counts.Immunization, 10);
});
