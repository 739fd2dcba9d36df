import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSandboxData } from '../data/load-data.ts';
import type { MutableDataStore } from '../data/memory-store.ts';
import type { FhirResource, SandboxPatient } from '../model.ts';
import { startFhirHarness, type FhirHarness } from '../../testing/sandbox/fhir-test-harness.ts';
import { isReadForbidden, referenceTypes } from './resource-kinds.ts';
import { hashId } from './read-faults.ts';

type Bundle = { entry: { resource?: FhirResource; search?: { mode: string } }[] };

let data: MutableDataStore;
let harness: FhirHarness;
let patient: SandboxPatient;

async function get(path: string, bearer: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${harness.fhirBase('org-a')}/${path}`, {
    headers: { authorization: `Bearer ${bearer}`, ...headers },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    bytes,
    text,
    json: () => JSON.parse(text),
  };
}

const codesOf = (body: { issue: { details: { coding: { code: string }[] } }[] }) =>
  body.issue.map((issue) => issue.details.coding[0]?.code);
const matchesOf = (bundle: Bundle) =>
  bundle.entry.filter((e) => e.search?.mode === 'match').map((e) => e.resource!);

function tokenFor(clientId: string, labels: string[], scopes: string[] = []): string {
  harness.grantApis(clientId, labels);
  return harness.issueToken({ orgId: 'org-a', patientId: patient.id, clientId, scopes });
}

before(async () => {
  data = await loadSandboxData();
  harness = await startFhirHarness(data);
  patient = data.organization('org-a')!.patients.find((p) => p.username === 'clienttestsuscore')!;
});
after(() => harness.close());

describe('granted APIs (Epic "Incoming API" labels)', () => {
  it('answers 403 with an empty body for a type or category the client was not granted', async () => {
    const labsOnly = tokenFor('labs-only', [
      'Observation.Search (Labs) (R4)',
      'Observation.Read (Labs) (R4)',
    ]);
    const labs = await get(`Observation?patient=${patient.id}&category=laboratory`, labsOnly);
    assert.equal(labs.status, 200);
    for (const path of [
      `Observation?patient=${patient.id}&category=vital-signs`,
      `AllergyIntolerance?patient=${patient.id}`,
    ]) {
      const res = await get(path, labsOnly);
      assert.equal(res.status, 403);
      assert.equal(res.text, '');
    }
    const vital = data
      .patientResources('org-a', patient.id, 'Observation')
      .find((o) => JSON.stringify(o.category).includes('vital-signs'))!;
    assert.equal((await get(`Observation/${vital.id}`, labsOnly)).status, 403);
  });

  it('returns only granted Condition sub-types on a plain search, with warning 59204', async () => {
    const problems = tokenFor('problems-only', ['Condition.Search (Problems) (R4)']);
    const bundle = (await get(`Condition?patient=${patient.id}`, problems)).json() as Bundle;
    const matches = matchesOf(bundle);
    assert.equal(matches.length, 1);
    assert.match(JSON.stringify(matches[0]!.category), /problem-list-item/);
    const outcome = bundle.entry.find((e) => e.search?.mode === 'outcome')!.resource as never;
    assert.deepEqual(codesOf(outcome), ['4119', '59204']);
  });

  it('limits types by SMART scopes once any resource scope is present', async () => {
    const scoped = tokenFor('scoped', [], ['openid', 'fhirUser', 'patient/Immunization.read']);
    assert.equal((await get(`Immunization?patient=${patient.id}`, scoped)).status, 200);
    const res = await get(`Encounter?patient=${patient.id}`, scoped);
    assert.equal(res.status, 403);
    assert.equal(res.text, '');
  });
});

describe('reads by reference', () => {
  it('reads Practitioner, Organization, Location, Medication, PractitionerRole; some are 403 4118, some Organizations 404 4102', async () => {
    const token = tokenFor('all', []);
    const shared = data
      .organizations()
      .filter((org) => org.id === 'org-a')
      .flatMap(() => [...referenceTypes])
      .flatMap((type) => collectReferences(type));
    let forbidden = 0;
    for (const reference of shared) {
      const res = await get(reference, token);
      const [type = '', id = ''] = reference.split('/');
      if (isReadForbidden(type, id)) {
        forbidden += 1;
        assert.equal(res.status, 403);
        assert.deepEqual(codesOf(res.json()), ['4118']);
      } else if (type === 'Organization' && hashId(id) % 5 === 1) {
        // Unreadable although referenced (REAL-WORLD.md): a fixed fifth of Organizations.
        assert.equal(res.status, 404, reference);
        assert.deepEqual(codesOf(res.json()), ['4102']);
      } else {
        assert.equal(res.status, 200, reference);
        assert.equal(res.json().id, id);
      }
    }
    assert.ok(forbidden > 0 && forbidden < shared.length, `${forbidden} of ${shared.length} forbidden`);
  });
});

/** Every reference of a type found in org-a patients' resources. */
function collectReferences(type: string): string[] {
  const found = new Set<string>();
  for (const item of data.organization('org-a')!.patients) {
    for (const list of ['Encounter', 'MedicationRequest', 'CareTeam', 'Immunization', 'Procedure']) {
      for (const resource of data.patientResources('org-a', item.id, list)) {
        for (const match of JSON.stringify(resource).matchAll(new RegExp(`"${type}/([^"]+)"`, 'g'))) {
          found.add(`${type}/${match[1]}`);
        }
      }
    }
  }
  return [...found];
}

describe('documents and Binary', () => {
  it('points every DocumentReference attachment at a readable Binary, as JSON or raw bytes by Accept', async () => {
    const token = tokenFor('docs', []);
    const docs = matchesOf((await get(`DocumentReference?patient=${patient.id}`, token)).json());
    assert.equal(docs.length, 3);
    for (const doc of docs) {
      for (const { attachment } of doc.content as {
        attachment: { url: string; contentType: string; size: number };
      }[]) {
        assert.match(attachment.url, /^Binary\/e[A-Za-z0-9.-]{69,129}$/);
        const json = await get(attachment.url, token);
        assert.equal(json.type, 'application/fhir+json; charset=utf-8');
        assert.equal(json.json().contentType, attachment.contentType);
        const raw = await get(attachment.url, token, { accept: attachment.contentType });
        assert.equal(raw.type, attachment.contentType);
        assert.deepEqual(Buffer.from(raw.bytes), Buffer.from(json.json().data, 'base64'));
        assert.equal(raw.bytes.byteLength, attachment.size);
      }
    }
  });

  it('answers 403 59203 for a Binary whose kind was not granted, 404 4102 for another patient', async () => {
    const cdaOnly = tokenFor('cda-only', ['Binary.Read (Generated CDAs) (R4)']);
    const docs = data.patientResources('org-a', patient.id, 'DocumentReference');
    const note = docs.find((doc) => JSON.stringify(doc.category ?? '').includes('clinical-note'))!;
    const summary = docs.find((doc) => JSON.stringify(doc.type).includes('34133-9'))!;
    const urlOf = (doc: FhirResource) =>
      (doc.content as { attachment: { url: string } }[])[0]!.attachment.url;
    const denied = await get(urlOf(note), cdaOnly);
    assert.equal(denied.status, 403);
    assert.deepEqual(codesOf(denied.json()), ['59203']);
    const xml = await get(urlOf(summary), cdaOnly, { accept: 'application/xml' });
    assert.equal(xml.status, 200);
    assert.match(xml.text, /<ClinicalDocument xmlns="urn:hl7-org:v3">/);
    const other = data.organization('org-a')!.patients.find((p) => p.username === 'lucienbosco')!;
    const otherDoc = data.patientResources('org-a', other.id, 'DocumentReference')[0]!;
    const res = await get(urlOf(otherDoc), tokenFor('all', []));
    assert.equal(res.status, 404);
    assert.deepEqual(codesOf(res.json()), ['4102']);
  });
});
