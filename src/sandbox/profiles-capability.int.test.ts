import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  matchKeys,
  pageThrough,
  startProfileHarness,
  type ProfileHarness,
} from '../testing/sandbox/profile-test-kit.ts';

let harness: ProfileHarness | undefined;
after(() => harness?.close());

type Capability = {
  rest: { resource: { type: string; interaction: { code: string }[]; searchParam?: unknown[] }[] }[];
};

async function start(profile: string): Promise<ProfileHarness> {
  await harness?.close();
  harness = await startProfileHarness({ profile });
  return harness;
}

describe('profiles sparse-capability, -401, -500: a CapabilityStatement that does not help', () => {
  it('sparse-capability: lists types without search parameters; patient searches still work', async () => {
    const h = await start('sparse-capability');
    const connection = await h.connectTo('org-b');
    const metadata = await h.get(`${connection.fhirBase}/metadata`);
    assert.equal(metadata.status, 200);
    const resources = metadata.json<Capability>().rest[0]!.resource;
    assert.ok(resources.some((entry) => entry.type === 'Observation'));
    assert.ok(resources.every((entry) => entry.searchParam === undefined));
    assert.equal('scope' in connection.tokenBody, false, 'this server leaves scope out of token responses');
    const conditions = await pageThrough(
      h,
      `${connection.fhirBase}/Condition?patient=${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(
      matchKeys(conditions).length,
      h.sandbox.data.patientResources('org-b', connection.patient, 'Condition').length,
    );
    const vitals = await pageThrough(
      h,
      `${connection.fhirBase}/Observation?patient=${connection.patient}&category=vital-signs`,
      connection.accessToken,
    );
    assert.ok(matchKeys(vitals).length > 0);
  });

  it("sparse-capability: refuses Observation?patient= alone in HAPI's words, naming the parameters sent", async () => {
    const connection = await harness!.connectTo('org-b');
    const answer = await harness!.get(
      `${connection.fhirBase}/Observation?patient=${connection.patient}&_count=50`,
      connection.accessToken,
    );
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json(), {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics:
            'Invalid request: The FHIR endpoint on this server does not know how to handle GET operation[Observation] with parameters [[_count, patient]]',
        },
      ],
    });
  });

  it('sparse-capability-401: /metadata answers 401 without a token and the statement with one', async () => {
    const h = await start('sparse-capability-401');
    const connection = await h.connectTo('org-a');
    const anonymous = await h.get(`${connection.fhirBase}/metadata`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.text, '');
    const withToken = await h.get(`${connection.fhirBase}/metadata`, connection.accessToken);
    assert.equal(withToken.status, 200);
    assert.equal(withToken.json().resourceType, 'CapabilityStatement');
  });

  it('sparse-capability-500: /metadata always fails with an HTML page; token responses have no refresh_token', async () => {
    const h = await start('sparse-capability-500');
    const connection = await h.connectTo('org-a');
    for (const token of [undefined, connection.accessToken]) {
      const answer = await h.get(`${connection.fhirBase}/metadata`, token);
      assert.equal(answer.status, 500);
      assert.equal(answer.contentType, 'text/html');
    }
    assert.equal('refresh_token' in connection.tokenBody, false);
    const patient = await h.get(
      `${connection.fhirBase}/Patient/${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(patient.status, 200);
  });
});
