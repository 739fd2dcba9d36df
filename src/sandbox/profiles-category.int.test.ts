import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readCategoryCodes } from './data/epic-shape.ts';
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
  harness = await startProfileHarness({ profile: 'category-required' });
  connection = await harness.connectTo('org-a');
});
after(() => harness.close());

const get = (path: string, token = connection.accessToken) =>
  harness.get(`${connection.fhirBase}/${path}`, token);

describe('profile category-required: a generic server that needs a category for Observation', () => {
  it('is a generic provider under /{orgId}/fhir/r4 with short dotted ids and no expires_in', async () => {
    const org = harness.sandbox.orgs().find((item) => item.id === 'org-a')!;
    assert.deepEqual(
      { profile: org.profile, vendor: org.vendor, kind: org.kind, fhirBase: org.fhirBase },
      {
        profile: 'category-required',
        vendor: 'generic',
        kind: 'provider',
        fhirBase: `${harness.sandbox.url}/org-a/fhir/r4`,
      },
    );
    assert.match(connection.patient, /^a-\d{5}\.[A-Za-z]-\d{5}$/);
    assert.equal('expires_in' in connection.tokenBody, false);
    assert.equal(typeof connection.tokenBody.refresh_token, 'string');
    const discovery = await harness.get(`${connection.fhirBase}/.well-known/smart-configuration`);
    assert.equal(discovery.status, 200);
    assert.equal(discovery.json().issuer, `${harness.sandbox.url}/org-a/oauth2`);
    const epicPath = await harness.get(`${harness.sandbox.url}/org-a/api/FHIR/R4/metadata`);
    assert.equal(epicPath.status, 404);
    assert.equal(epicPath.contentType, 'text/html');
  });

  it('lists searchable types with their search parameters, MedicationStatement included', async () => {
    const answer = await harness.get(`${connection.fhirBase}/metadata`);
    assert.equal(answer.status, 200);
    type Entry = { type: string; searchParam?: { name: string }[] };
    const resources = answer.json<{ rest: { resource: Entry[] }[] }>().rest[0]!.resource;
    const observation = resources.find((entry) => entry.type === 'Observation')!;
    assert.deepEqual(
      observation.searchParam?.map((param) => param.name),
      ['patient', 'category', 'code', 'date', '_lastUpdated'],
    );
    assert.ok(resources.some((entry) => entry.type === 'MedicationStatement' && entry.searchParam));
  });

  it("answers Observation?patient= alone with 400 and the server's words", async () => {
    const answer = await get(`Observation?patient=${connection.patient}&_count=50`);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json(), {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'required',
          diagnostics: "Search for observation resource must have 'code' or 'category'",
        },
      ],
    });
  });

  it('serves Observation by US Core category, paged with HAPI _getpages links on the base, exact totals', async () => {
    const labs = harness.sandbox.data
      .patientResources('org-a', connection.patient, 'Observation')
      .filter((resource) => readCategoryCodes(resource).includes('laboratory'));
    assert.ok(labs.length > 5, 'the first patient has laboratory results');
    const first = await get(`Observation?patient=${connection.patient}&category=laboratory&_count=5`);
    const next = first
      .json<{ link: { relation: string; url: string }[] }>()
      .link.find((link) => link.relation === 'next')!.url;
    assert.match(
      next,
      new RegExp(
        `^${connection.fhirBase}\\?_getpages=[^&]+&_getpagesoffset=5&_count=5&_bundletype=searchset$`,
      ),
    );
    const pages = await pageThrough(
      harness,
      `${connection.fhirBase}/Observation?patient=${connection.patient}&category=laboratory&_count=5`,
      connection.accessToken,
    );
    assert.deepEqual(matchKeys(pages).sort(), labs.map((resource) => `Observation/${resource.id}`).sort());
    assert.ok(pages.every((page) => page.total === labs.length));
    assert.ok(pages.every((page) => !page.entry?.some((entry) => entry.search?.mode === 'outcome')));
  });

  it('searches CarePlan and Condition without Epic category rules', async () => {
    for (const type of ['CarePlan', 'Condition']) {
      const pages = await pageThrough(
        harness,
        `${connection.fhirBase}/${type}?patient=${connection.patient}`,
        connection.accessToken,
      );
      const held = harness.sandbox.data.patientResources('org-a', connection.patient, type);
      assert.equal(matchKeys(pages).length, held.length, type);
    }
  });

  it('answers 500 for MedicationStatement, which /metadata lists', async () => {
    const answer = await get(`MedicationStatement?patient=${connection.patient}`);
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json(), {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'exception',
          diagnostics: 'an internal error occurred while searching MedicationStatement',
        },
      ],
    });
  });

  it('answers 401 (not 403) for a type outside the granted scopes', async () => {
    const narrow = await harness.connectTo('org-a', {
      scope: 'openid fhirUser launch/patient patient/Patient.read',
    });
    const answer = await get(`Condition?patient=${narrow.patient}`, narrow.accessToken);
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json(), {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'security',
          diagnostics: 'the access token does not grant access to Condition',
        },
      ],
    });
    assert.equal((await get(`Patient/${narrow.patient}`, narrow.accessToken)).status, 200);
  });
});
