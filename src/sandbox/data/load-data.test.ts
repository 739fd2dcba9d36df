import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChartbridgeError } from '../../errors.ts';
import { patientFixturesDir } from '../fixtures-dir.ts';
import { loadSandboxData } from './load-data.ts';

/** Epic's unconstrained ids: 70–130 characters of letters, digits, `.` and `-`. */
const epicId = /^e[A-Za-z0-9.-]{69,129}$/;

describe('loadSandboxData (fixtures)', () => {
  it('spreads the fixture patients over two organisations with deterministic usernames', async () => {
    const store = await loadSandboxData();
    assert.deepEqual(
      store.organizations().map((org) => [org.id, org.name, org.patients.map((p) => p.username)]),
      [
        ['org-a', 'Northwind General Hospital', ['christianbalistreri', 'gracielaalcantar', 'richkshlerin', 'zachariahosinski', 'lucienbosco', 'clienttestsuscore']],
        ['org-b', 'Lakeside Regional Medical Center', ['dennisdurgan', 'lawerencebaumbach', 'vitofeeney', 'pattydexter', 'amybaxter']],
      ],
    );
  });

  it('gives Epic-like ids that are stable across loads and resolves every urn:uuid reference', async () => {
    const first = await loadSandboxData();
    const second = await loadSandboxData();
    const ids = (store: typeof first) => store.organizations().flatMap((org) => org.patients.map((p) => p.id));
    assert.deepEqual(ids(first), ids(second));
    for (const org of first.organizations()) {
      for (const patient of org.patients) {
        assert.match(patient.id, epicId);
        for (const type of ['Observation', 'Encounter', 'DocumentReference', 'Provenance', 'Binary', 'MedicationRequest']) {
          for (const resource of first.patientResources(org.id, patient.id, type)) {
            const text = JSON.stringify(resource);
            assert.ok(!text.includes('"reference":"urn:uuid:'), `${type} keeps a urn:uuid reference`);
            assert.ok(!/"reference":"[A-Za-z]+\?identifier=/.test(text), `${type} keeps a conditional reference`);
            assert.match(resource.id, epicId);
            assert.equal(resource.meta?.versionId, '1');
            assert.ok(Date.parse(resource.meta!.lastUpdated!) <= Date.UTC(2026, 0, 1));
          }
        }
      }
    }
  });

  it('makes every reference readable within its organisation', async () => {
    const store = await loadSandboxData();
    let checked = 0;
    for (const org of store.organizations()) {
      for (const patient of org.patients) {
        for (const type of ['Encounter', 'Observation', 'MedicationRequest', 'Immunization', 'DiagnosticReport']) {
          for (const resource of store.patientResources(org.id, patient.id, type)) {
            for (const [, refType, id] of JSON.stringify(resource).matchAll(/"reference":"([A-Z][A-Za-z]+)\/([^"]+)"/g)) {
              assert.ok(store.read(org.id, refType!, id!), `${refType}/${id} in ${org.id}`);
              checked += 1;
            }
          }
        }
      }
    }
    assert.ok(checked > 5000, `${checked} references`);
  });

  it('skips the 5k merged fixture unless asked, and keeps its ids apart from Vito Feeney', async () => {
    const normal = await loadSandboxData();
    const large = await loadSandboxData({ large: true, organizations: 3 });
    const count = (store: typeof normal) => store.organizations().reduce((sum, org) => sum + org.patients.length, 0);
    assert.equal(count(normal), 11);
    assert.equal(count(large), 12);
    assert.deepEqual(large.organizations().map((org) => org.id), ['org-a', 'org-b', 'org-c']);
    const vitos = large.organizations().flatMap((org) => org.patients.filter((p) => p.username.startsWith('vitofeeney')));
    assert.deepEqual(vitos.map((p) => p.username).sort(), ['vitofeeney', 'vitofeeney2']);
    assert.notEqual(vitos[0]!.id, vitos[1]!.id);
  });

  it('moves inline attachments to Binary and adds a C-CDA summary per patient', async () => {
    const store = await loadSandboxData();
    const patient = store.organization('org-b')!.patients.find((p) => p.username === 'lawerencebaumbach')!;
    const docs = store.patientResources('org-b', patient.id, 'DocumentReference');
    assert.equal(docs.length, 92 + 1);
    for (const doc of docs) {
      const attachment = (doc.content as { attachment: { url: string; data?: string } }[])[0]!.attachment;
      assert.equal(attachment.data, undefined);
      assert.ok(store.read('org-b', 'Binary', attachment.url.slice('Binary/'.length)));
    }
  });

  it('loads only the given folder when one is given', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
    await copyFile(join(patientFixturesDir, 'pdex_bundle_patient_999.json'), join(folder, 'one.json'));
    const store = await loadSandboxData({ folders: [folder], organizations: 1 });
    assert.deepEqual(store.organizations().map((org) => org.patients.map((p) => p.username)), [['pattydexter']]);
    const patient = store.organization('org-a')!.patients[0]!;
    assert.equal(store.patientResources('org-a', patient.id, 'Observation').length, 2);
  });

  it('gives distinct ids to entries that have neither fullUrl nor id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:0b9d1e64-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ given: ['Ann'], family: 'Lee' }] } },
        { resource: { ...observation, subject: { reference: 'urn:uuid:0b9d1e64-0000-4000-8000-000000000001' } } },
        { resource: { ...observation, subject: { reference: 'urn:uuid:0b9d1e64-0000-4000-8000-000000000001' } } },
      ],
    };
    await writeFile(join(folder, 'ann.json'), JSON.stringify(bundle));
    const store = await loadSandboxData({ folders: [folder] });
    const patient = store.organization('org-a')!.patients[0]!;
    assert.equal(patient.username, 'annlee');
    const observations = store.patientResources('org-a', patient.id, 'Observation');
    assert.equal(new Set(observations.map((o) => o.id)).size, 2);
    assert.deepEqual(observations.map((o) => (o.subject as { reference: string }).reference), [`Patient/${patient.id}`, `Patient/${patient.id}`]);
  });

  it('rejects a folder file that is not a Bundle', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
    await writeFile(join(folder, 'bad.json'), JSON.stringify({ resourceType: 'Patient', id: 'x' }));
    await assert.rejects(loadSandboxData({ folders: [folder] }), (error: unknown) => {
      assert.ok(error instanceof ChartbridgeError);
      assert.equal(error.code, 'ERR_INVALID_INPUT');
      assert.equal(error.message, 'data file "bad.json" is not a FHIR Bundle; give one Bundle per patient');
      return true;
    });
    await assert.rejects(loadSandboxData({ folders: [join(folder, 'missing')] }), {
      message: `data folder "${join(folder, 'missing')}" cannot be read; give a folder of FHIR Bundle files`,
    });
  });
});

describe('synthetic patients', () => {
  it('are deterministic by seed, spread over organisations, and readable by id', async () => {
    const a = await loadSandboxData({ synthetic: { patients: 4, resourcesPerPatient: 100, seed: 7 } });
    const b = await loadSandboxData({ synthetic: { patients: 4, resourcesPerPatient: 100, seed: 7 } });
    const c = await loadSandboxData({ synthetic: { patients: 4, resourcesPerPatient: 100, seed: 8 } });
    const dump = (store: typeof a) =>
      JSON.stringify(store.organizations().map((org) => org.patients.map((p) => store.patientResources(org.id, p.id, 'Observation').slice(0, 5))));
    assert.equal(dump(a), dump(b));
    assert.notEqual(dump(a), dump(c));
    assert.deepEqual(a.organizations().map((org) => org.patients.length), [2, 2]);
    const patient = a.organization('org-b')!.patients[0]!;
    const types = ['Patient', 'Observation', 'Encounter', 'DiagnosticReport', 'Condition', 'MedicationRequest', 'Procedure', 'Immunization', 'DocumentReference', 'AllergyIntolerance', 'CarePlan', 'Goal'];
    const total = types.reduce((sum, type) => sum + a.patientResources('org-b', patient.id, type).length, 0);
    assert.equal(total, 100);
    const doc = a.patientResources('org-b', patient.id, 'DocumentReference')[0]!;
    assert.deepEqual(a.read('org-b', 'DocumentReference', doc.id), doc);
    assert.equal(a.read('org-a', 'DocumentReference', doc.id), undefined);
    const binaryId = (doc.content as { attachment: { url: string } }[])[0]!.attachment.url.slice('Binary/'.length);
    assert.equal(a.read('org-b', 'Binary', binaryId)?.contentType, 'text/plain');
    assert.equal(a.organizations().flatMap((org) => org.patients).filter((p) => p.id.includes('.') && p.id.includes('-')).length, 4);
  });

  it('serve a 200,000-resource patient without holding it in memory', async () => {
    const store = await loadSandboxData({ synthetic: { patients: 1, resourcesPerPatient: 200_000, seed: 1 } });
    const patient = store.organization('org-a')!.patients[0]!;
    const observations = store.patientResources('org-a', patient.id, 'Observation');
    assert.equal(observations.length, 124_009);
    assert.equal(store.size(), 0);
    const last = observations[observations.length - 1]!;
    assert.equal(last.resourceType, 'Observation');
    assert.deepEqual(store.read('org-a', 'Observation', last.id), last);
  });
});
