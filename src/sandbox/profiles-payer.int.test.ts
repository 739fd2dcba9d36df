import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FhirResource } from './model.ts';
import {
  matchKeys,
  pageThrough,
  startProfileHarness,
  type Connection,
  type ProfileHarness,
} from '../testing/sandbox/profile-test-kit.ts';

let harness: ProfileHarness;
let connection: Connection;
before(async () => {
  harness = await startProfileHarness({ profile: 'everything-only' });
  connection = await harness.connectTo('org-a');
});
after(() => harness.close());

const get = (path: string, token = connection.accessToken) =>
  harness.get(`${connection.fhirBase}/${path}`, token);
const held = (type: string, orgId = 'org-a', patient = connection.patient): FhirResource[] =>
  harness.sandbox.data.patientResources(orgId, patient, type);

describe('profile everything-only: a payer with $everything, reads by id and a CARIN Blue Button record', () => {
  it('is a generic payer with 96-character hex ids that advertises Patient/$everything', async () => {
    const org = harness.sandbox.orgs().find((item) => item.id === 'org-a')!;
    assert.deepEqual([org.profile, org.vendor, org.kind], ['everything-only', 'generic', 'payer']);
    assert.match(connection.patient, /^[0-9a-f]{96}$/);
    type Entry = { type: string; operation?: { name: string }[]; searchParam?: unknown };
    const resources = (await get('metadata')).json<{ rest: { resource: Entry[] }[] }>().rest[0]!.resource;
    const patient = resources.find((entry) => entry.type === 'Patient')!;
    assert.deepEqual(
      patient.operation?.map((operation) => operation.name),
      ['everything'],
    );
    assert.ok(resources.some((entry) => entry.type === 'ExplanationOfBenefit'));
    assert.ok(resources.every((entry) => entry.searchParam === undefined));
  });

  it('pages $everything with next links, and it holds the whole expected record but the attachments', async () => {
    const url = `${connection.fhirBase}/Patient/${connection.patient}/$everything?_count=40`;
    const pages = await pageThrough(harness, url, connection.accessToken);
    assert.ok(pages.length > 2);
    const next = pages[0]!.link!.find((link) => link.relation === 'next')!.url;
    assert.match(
      next,
      new RegExp(
        `^${connection.fhirBase}/Patient/${connection.patient}/\\$everything\\?_count=40&cursor=[^&]+$`,
      ),
    );
    const keys = matchKeys(pages);
    assert.equal(keys[0], `Patient/${connection.patient}`);
    assert.equal(new Set(keys).size, keys.length, 'no resource twice');
    const expected = harness.sandbox.expectedRecord('org-a', connection.patient);
    const outside = expected.filter((entry) => !keys.includes(`${entry.resourceType}/${entry.id}`));
    assert.deepEqual([...new Set(outside.map((entry) => entry.resourceType))], ['Binary']);
    assert.equal(expected.length, keys.length + outside.length);
  });

  it('holds CARIN BB EOBs with their Coverage lifted out, a Provenance for each, and no Claim', async () => {
    const eobs = held('ExplanationOfBenefit');
    const coverages = held('Coverage');
    assert.equal(eobs.length, 7, 'the Synthea fixture has 7 EOBs for this patient');
    assert.equal(held('Claim').length, 0);
    assert.ok(coverages.length >= 1);
    assert.equal(held('Provenance').length, eobs.length + coverages.length);
    for (const eob of eobs) {
      assert.match(
        eob.meta!.profile![0]!,
        /^http:\/\/hl7\.org\/fhir\/us\/carin-bb\/StructureDefinition\/C4BB-ExplanationOfBenefit-/,
      );
      const contained = (eob.contained as FhirResource[] | undefined) ?? [];
      assert.ok(!contained.some((item) => item.resourceType === 'Coverage'), 'the Coverage is lifted out');
      const reference = (eob.insurance as { coverage: { reference: string } }[])[0]!.coverage.reference;
      const read = await get(reference);
      assert.equal(read.status, 200, reference);
      assert.deepEqual(read.json<FhirResource>().meta?.profile, [
        'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Coverage',
      ]);
    }
    const eob = await get(`ExplanationOfBenefit/${eobs[0]!.id}`);
    assert.equal(eob.status, 200);
  });

  it('answers per-type searches with 400 for listed types and 404 for others', async () => {
    const listed = await get(`ExplanationOfBenefit?patient=${connection.patient}`);
    assert.equal(listed.status, 400);
    assert.deepEqual(listed.json(), {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: 'search is not supported for ExplanationOfBenefit; use Patient/[id]/$everything',
        },
      ],
    });
    assert.equal((await get(`Observation?patient=${connection.patient}&category=laboratory`)).status, 400);
    const unknown = await get(`Claim?patient=${connection.patient}`);
    assert.equal(unknown.status, 404);
    assert.equal(
      unknown.json<{ issue: { diagnostics: string }[] }>().issue[0]!.diagnostics,
      'resource type Claim is not supported',
    );
  });

  it('answers 500 for referenced Practitioner, Organization and Location', async () => {
    const provider = (held('ExplanationOfBenefit')[0]!.provider as { reference: string }).reference;
    assert.match(provider, /^(Practitioner|Organization)\//);
    const answer = await get(provider);
    assert.equal(answer.status, 500);
    assert.equal(answer.json<{ issue: { code: string }[] }>().issue[0]!.code, 'exception');
  });

  it('has no Patient read at org-b: the patient is only inside $everything', async () => {
    const other = await harness.connectTo('org-b');
    const read = await harness.get(`${other.fhirBase}/Patient/${other.patient}`, other.accessToken);
    assert.equal(read.status, 404);
    const first = await harness.get(
      `${other.fhirBase}/Patient/${other.patient}/$everything?_count=5`,
      other.accessToken,
    );
    assert.equal(first.status, 200);
    assert.deepEqual(matchKeys([first.json()])[0], `Patient/${other.patient}`);
    const expected = harness.sandbox.expectedRecord('org-b', other.patient);
    assert.ok(expected.some((entry) => entry.resourceType === 'Patient' && entry.id === other.patient));
    assert.equal(
      (await harness.get(`${connection.fhirBase}/Patient/${connection.patient}`, connection.accessToken))
        .status,
      200,
    );
  });

  it('refuses another patient’s $everything with 403', async () => {
    const other = harness.sandbox.data.organization('org-a')!.patients[1]!.id;
    const answer = await get(`Patient/${other}/$everything`);
    assert.equal(answer.status, 403);
  });
});
