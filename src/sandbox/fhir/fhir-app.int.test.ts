import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSandboxData } from '../data/load-data.ts';
import type { MutableDataStore } from '../data/memory-store.ts';
import type { FhirResource, SandboxPatient } from '../model.ts';
import { epicOutcomeSystem } from './epic-outcome.ts';
import { startFhirHarness, type FhirHarness } from '../../testing/sandbox/fhir-test-harness.ts';

type Bundle = {
  total: number;
  link: { relation: string; url: string }[];
  entry: { resource?: FhirResource; search?: { mode: string } }[];
};

let data: MutableDataStore;
let harness: FhirHarness;
let clientTest: SandboxPatient;
let token: string;

function findPatient(username: string): SandboxPatient {
  const patient = data
    .organizations()
    .flatMap((org) => org.patients)
    .find((item) => item.username === username);
  assert.ok(patient, username);
  return patient;
}

async function get(
  path: string,
  bearer: string | undefined,
  headers: Record<string, string> = {},
  org = 'org-a',
) {
  const url = path.startsWith('http') ? path : `${harness.fhirBase(org)}/${path}`;
  const res = await fetch(url, {
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    headers: res.headers,
    text,
    json: () => JSON.parse(text),
  };
}

function epicCode(body: { issue: { details: { coding: { system: string; code: string }[] } }[] }): string[] {
  return body.issue.map((issue) => {
    assert.equal(issue.details.coding[0]?.system, epicOutcomeSystem);
    return issue.details.coding[0]?.code ?? '';
  });
}

function outcomeCodes(bundle: Bundle): string[] {
  const outcomes = bundle.entry.filter((entry) => entry.search?.mode === 'outcome');
  assert.equal(outcomes.length, 1);
  return epicCode(outcomes[0]!.resource as never);
}

before(async () => {
  data = await loadSandboxData();
  harness = await startFhirHarness(data, { sessionTtlMs: 60_000 });
  clientTest = findPatient('clienttestsuscore');
  token = harness.issueToken({ orgId: 'org-a', patientId: clientTest.id });
});
after(() => harness.close());

describe('metadata and bearer tokens', () => {
  it('serves a CapabilityStatement with the SMART oauth-uris of the organisation, without a token', async () => {
    const res = await get('metadata', undefined);
    assert.equal(res.status, 200);
    assert.equal(res.type, 'application/fhir+json; charset=utf-8');
    const security = res.json().rest[0].security.extension[0];
    assert.equal(security.url, 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    assert.deepEqual(security.extension.slice(0, 2), [
      { url: 'authorize', valueUri: `${harness.origin}/org-a/oauth2/authorize` },
      { url: 'token', valueUri: `${harness.origin}/org-a/oauth2/token` },
    ]);
  });

  it('answers 401 with an empty body for a missing, unknown, expired, revoked or foreign token', async () => {
    const path = `Patient/${clientTest.id}`;
    const expired = harness.issueToken({
      orgId: 'org-a',
      patientId: clientTest.id,
      expiresAt: harness.clock.now(),
    });
    const revoked = harness.issueToken({ orgId: 'org-a', patientId: clientTest.id });
    harness.revokeToken(revoked);
    const foreign = harness.issueToken({ orgId: 'org-b', patientId: clientTest.id });
    for (const bearer of [undefined, 'unknown-token', expired, revoked, foreign]) {
      const res = await get(path, bearer);
      assert.equal(res.status, 401);
      assert.equal(res.text, '');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    }
    assert.equal((await get(path, token)).status, 200);
  });

  it('answers 404 HTML for an organisation that does not exist', async () => {
    for (const path of ['metadata', `Patient/${clientTest.id}`]) {
      const res = await fetch(`${harness.origin}/org-zz/api/FHIR/R4/${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('content-type'), 'text/html');
      await res.arrayBuffer();
    }
  });

  it('expires a token when the clock passes expiresAt', async () => {
    const shortLived = harness.issueToken({
      orgId: 'org-a',
      patientId: clientTest.id,
      expiresAt: harness.clock.now() + 1000,
    });
    assert.equal((await get(`Patient/${clientTest.id}`, shortLived)).status, 200);
    harness.clock.advance(1000);
    assert.equal((await get(`Patient/${clientTest.id}`, shortLived)).status, 401);
  });
});

describe('the patient sees only their own record', () => {
  it('reads their Patient and gets 403 4118 for another one', async () => {
    const own = await get(`Patient/${clientTest.id}`, token);
    assert.equal(own.json().id, clientTest.id);
    const other = data.organization('org-a')!.patients.find((p) => p.id !== clientTest.id)!;
    const res = await get(`Patient/${other.id}`, token);
    assert.equal(res.status, 403);
    assert.deepEqual(epicCode(res.json()), ['4118']);
  });

  it('gets 403 4118 searching another patient and 404 4102 reading their resources', async () => {
    const other = data.organization('org-a')!.patients.find((p) => p.id !== clientTest.id)!;
    const search = await get(`Encounter?patient=${other.id}`, token);
    assert.equal(search.status, 403);
    assert.deepEqual(epicCode(search.json()), ['4118']);
    const encounter = data.patientResources('org-a', other.id, 'Encounter')[0]!;
    const read = await get(`Encounter/${encounter.id}`, token);
    assert.equal(read.status, 404);
    assert.deepEqual(epicCode(read.json()), ['4102']);
  });
});

describe('Epic search rules (docs/epic-facts.md §5)', () => {
  it('rejects Observation without category or code with 400 59108, and accepts code alone', async () => {
    const res = await get(`Observation?patient=${clientTest.id}`, token);
    assert.equal(res.status, 400);
    assert.equal(res.type, 'application/fhir+json; charset=utf-8');
    assert.deepEqual(epicCode(res.json()), ['59108']);
    const byCode = await get(`Observation?patient=${clientTest.id}&code=http://loinc.org|8867-4`, token);
    assert.equal(byCode.status, 200);
    const codes = (byCode.json() as Bundle).entry.filter((e) => e.resource?.resourceType === 'Observation');
    assert.ok(codes.length > 0);
  });

  it('rejects CarePlan without category with 400 59159 and serves each Epic category', async () => {
    const res = await get(`CarePlan?patient=${clientTest.id}`, token);
    assert.equal(res.status, 400);
    assert.deepEqual(epicCode(res.json()), ['59159']);
    const plans = (
      await get(`CarePlan?patient=${clientTest.id}&category=assess-plan`, token)
    ).json() as Bundle;
    assert.equal(plans.entry.filter((e) => e.search?.mode === 'match').length, 1);
  });

  it('rejects an unknown category with 400 4115', async () => {
    for (const type of ['Observation', 'Condition', 'CarePlan']) {
      const res = await get(`${type}?patient=${clientTest.id}&category=foo`, token);
      assert.equal(res.status, 400);
      assert.deepEqual(epicCode(res.json()), ['4115']);
    }
  });

  it('filters Condition by category', async () => {
    const bundle = (
      await get(`Condition?patient=${clientTest.id}&category=problem-list-item`, token)
    ).json() as Bundle;
    const matches = bundle.entry.filter((e) => e.search?.mode === 'match');
    assert.equal(matches.length, 1);
    const codes = JSON.stringify(matches[0]!.resource!.category);
    assert.match(codes, /problem-list-item/);
  });

  it('answers RelatedPerson?patient= with 400 4100 but reads a RelatedPerson by id', async () => {
    const res = await get(`RelatedPerson?patient=${clientTest.id}`, token);
    assert.equal(res.status, 400);
    assert.deepEqual(epicCode(res.json()), ['4100']);
    const person = data.patientResources('org-a', clientTest.id, 'RelatedPerson')[0]!;
    assert.equal((await get(`RelatedPerson/${person.id}`, token)).status, 200);
  });

  it('answers Provenance?patient= and unsupported types with a 404 IIS HTML page', async () => {
    for (const path of [
      `Provenance?patient=${clientTest.id}`,
      `Claim?patient=${clientTest.id}`,
      'NoSuchType/1',
    ]) {
      const res = await get(path, token);
      assert.equal(res.status, 404);
      assert.equal(res.type, 'text/html');
      assert.match(res.text, /<title>404 - File or directory not found.<\/title>/);
    }
  });

  it('includes Provenance with _revinclude=Provenance:target', async () => {
    const url = `Patient?_id=${clientTest.id}&_revinclude=Provenance:target`;
    const bundle = (await get(url, token)).json() as Bundle;
    assert.deepEqual(
      bundle.entry.map((e) => [e.search?.mode, e.resource?.resourceType]),
      [
        ['match', 'Patient'],
        ['include', 'Provenance'],
        ['outcome', 'OperationOutcome'],
      ],
    );
    const plain = (await get(`Patient?_id=${clientTest.id}`, token)).json() as Bundle;
    assert.equal(plain.entry.filter((e) => e.search?.mode === 'include').length, 0);
  });

  it('puts one OperationOutcome entry in every Bundle: 4119 with results, 4101 without', async () => {
    const found = (await get(`Immunization?patient=${clientTest.id}`, token)).json() as Bundle;
    assert.deepEqual(outcomeCodes(found), ['4119']);
    const none = (await get(`Observation?patient=${clientTest.id}&category=therapy`, token)).json() as Bundle;
    assert.deepEqual(outcomeCodes(none), ['4101']);
    assert.equal(none.entry.length, 1);
    assert.equal(none.total, 0);
  });

  it('needs the patient parameter: 4110 without any parameter, 4111 without patient', async () => {
    const bare = await get('Immunization', token);
    assert.equal(bare.status, 400);
    assert.deepEqual(epicCode(bare.json()), ['4110']);
    const noPatient = await get('Immunization?_count=5', token);
    assert.equal(noPatient.status, 400);
    assert.deepEqual(epicCode(noPatient.json()), ['4111']);
  });

  it('accepts a form POST to <Type>/_search like the GET search', async () => {
    const res = await fetch(`${harness.fhirBase('org-a')}/Observation/_search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ patient: clientTest.id, category: 'vital-signs' }),
    });
    assert.equal(res.status, 200);
    const posted = (await res.json()) as Bundle;
    const got = (
      await get(`Observation?patient=${clientTest.id}&category=vital-signs`, token)
    ).json() as Bundle;
    const ids = (bundle: Bundle) => bundle.entry.map((e) => e.resource?.id);
    assert.deepEqual(ids(posted), ids(got));
    assert.equal(ids(got).length, 14);
  });
});
