import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashId } from './fhir/read-faults.ts';
import {
  matchKeys,
  pageThrough,
  startProfileHarness,
  type Connection,
  type ProfileHarness,
} from '../testing/sandbox/profile-test-kit.ts';
import { startSandbox } from './sandbox.ts';

let harness: ProfileHarness;
let connection: Connection;
before(async () => {
  harness = await startProfileHarness({});
  connection = await harness.connectTo('org-b', { loginHint: 'vitofeeney' });
});
after(() => harness.close());

const longId = /^[A-Za-z0-9.-]{70,130}$/;

describe('profile epic (default): unconstrained ids everywhere', () => {
  it('is the default, with 70–130 character ids in the launch context and the Patient read', async () => {
    const org = harness.sandbox.orgs().find((item) => item.id === 'org-b')!;
    assert.deepEqual([org.profile, org.vendor, org.kind], ['epic', 'epic', 'provider']);
    assert.equal(org.fhirBase, `${harness.sandbox.url}/org-b/api/FHIR/R4`);
    assert.match(connection.patient, longId);
    const patient = await harness.get(
      `${connection.fhirBase}/Patient/${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(patient.json().id, connection.patient);
  });

  it('mixes id lengths within one type and uses the same ids in every reference', async () => {
    const url = `${connection.fhirBase}/Observation?patient=${connection.patient}&category=vital-signs&_count=100`;
    const pages = await pageThrough(harness, url, connection.accessToken);
    const lengths = new Set<number>();
    for (const page of pages) {
      for (const entry of page.entry ?? []) {
        if (entry.search?.mode === 'outcome') continue;
        const resource = entry.resource as unknown as {
          id: string;
          subject: { reference: string };
          encounter?: { reference: string };
        };
        assert.match(resource.id, longId);
        lengths.add(resource.id.length);
        assert.equal(resource.subject.reference, `Patient/${connection.patient}`);
        const encounter = resource.encounter?.reference.slice('Encounter/'.length) ?? '';
        assert.match(encounter, longId);
      }
    }
    assert.ok(lengths.size >= 20, `${lengths.size} distinct lengths`);
  });

  it('keeps every id across restarts', async () => {
    const again = await startSandbox({});
    try {
      const ids = (sandbox: typeof again) =>
        sandbox.data.organizations().flatMap((org) => org.patients.map((p) => p.id));
      assert.deepEqual(ids(again), ids(harness.sandbox));
      const first = harness.sandbox.data.patientResources('org-b', connection.patient, 'DocumentReference');
      assert.deepEqual(
        again.data.patientResources('org-b', connection.patient, 'DocumentReference').map((item) => item.id),
        first.map((item) => item.id),
      );
    } finally {
      await again.close();
    }
  });

  it('answers 403 for some Encounter reads although the search returns them, and expects them via search', async () => {
    const encounters = harness.sandbox.data.patientResources('org-b', connection.patient, 'Encounter');
    const unreadable = encounters.filter((item) => hashId(item.id) % 9 === 0);
    assert.ok(unreadable.length > 0, 'the fixture patient has an unreadable Encounter');
    const read = await harness.get(
      `${connection.fhirBase}/Encounter/${unreadable[0]!.id}`,
      connection.accessToken,
    );
    assert.equal(read.status, 403);
    const search = await pageThrough(
      harness,
      `${connection.fhirBase}/Encounter?patient=${connection.patient}&_count=100`,
      connection.accessToken,
    );
    assert.ok(matchKeys(search).includes(`Encounter/${unreadable[0]!.id}`));
    const expected = harness.sandbox.expectedRecord('org-b', connection.patient);
    assert.ok(expected.some((entry) => entry.resourceType === 'Encounter' && entry.id === unreadable[0]!.id));
  });

  it('expects no Claim or ExplanationOfBenefit (Epic does not serve them) and says why', () => {
    const expected = harness.sandbox.expectedRecord('org-b', connection.patient);
    assert.ok(!expected.some((entry) => ['Claim', 'ExplanationOfBenefit'].includes(entry.resourceType)));
    const withheld = harness.sandbox.withheldRecord('org-b', connection.patient);
    const eobs = withheld.filter((entry) => entry.resourceType === 'ExplanationOfBenefit');
    assert.equal(
      eobs.length,
      harness.sandbox.data.patientResources('org-b', connection.patient, 'ExplanationOfBenefit').length,
    );
    assert.ok(eobs.every((entry) => entry.reason === 'not served by this server'));
  });

  it('limits expectedRecord to the granted scope', () => {
    const narrow = harness.sandbox.expectedRecord(
      'org-b',
      connection.patient,
      'launch/patient patient/Patient.read patient/Condition.read',
    );
    const types = [...new Set(narrow.map((entry) => entry.resourceType))].sort();
    assert.deepEqual(types, ['Condition', 'Patient']);
    const conditions = harness.sandbox.data.patientResources('org-b', connection.patient, 'Condition').length;
    assert.equal(narrow.length, conditions + 1);
  });
});
