import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  harness = await startProfileHarness({ profile: 'case-shifted-links' });
  connection = await harness.connectTo('org-a');
});
after(() => harness.close());

type Page = {
  total?: number;
  link: { relation: string; url: string }[];
  entry?: {
    resource: { resourceType: string; issue?: { details?: { coding?: { code?: string }[] } }[] };
    search?: { mode?: string };
  }[];
};

describe('profile case-shifted-links: next links in another case, reordered, with cursors; unreliable totals', () => {
  it('writes next links under /fhir/R4/ with the query reordered, page and sessionID, and serves them', async () => {
    const held = harness.sandbox.data.patientResources('org-a', connection.patient, 'Observation');
    const url = `${connection.fhirBase}/Observation?patient=${connection.patient}&_count=7`;
    const first = (await harness.get(url, connection.accessToken)).json<Page>();
    assert.equal('total' in first, false, 'no total on the first page');
    const next = first.link.find((link) => link.relation === 'next')!.url;
    const origin = harness.sandbox.url;
    assert.match(
      next,
      new RegExp(
        `^${origin}/org-a/fhir/R4/Observation\\?sessionID=[^&]+&patient=${connection.patient}&page=2&_count=7$`,
      ),
    );
    const second = (await harness.get(next, connection.accessToken)).json<Page>();
    assert.equal(second.total, 7, 'the page count, not the number of matches');
    assert.notEqual(held.length, 7);
    assert.match(second.link.find((link) => link.relation === 'next')!.url, /&page=3&_count=7$/);
    const pages = await pageThrough(harness, url, connection.accessToken);
    assert.deepEqual(matchKeys(pages).sort(), held.map((resource) => `Observation/${resource.id}`).sort());
  });

  it('answers under both letter cases of its base, and nowhere else', async () => {
    const lower = await harness.get(
      `${connection.fhirBase}/Patient/${connection.patient}`,
      connection.accessToken,
    );
    const upper = await harness.get(
      `${harness.sandbox.url}/org-a/fhir/R4/Patient/${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(lower.status, 200);
    assert.equal(upper.text, lower.text);
    const epicPath = await harness.get(
      `${harness.sandbox.url}/org-a/api/FHIR/R4/Patient/${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(epicPath.status, 404);
  });

  it('ends an empty search with an OperationOutcome entry (search.mode outcome, 4101) and no total', async () => {
    const answer = await harness.get(
      `${connection.fhirBase}/Device?patient=${connection.patient}`,
      connection.accessToken,
    );
    assert.equal(harness.sandbox.data.patientResources('org-a', connection.patient, 'Device').length, 0);
    const page = answer.json<Page>();
    assert.equal(answer.status, 200);
    assert.equal('total' in page, false);
    assert.equal(page.entry?.length, 1);
    assert.equal(page.entry?.[0]?.search?.mode, 'outcome');
    assert.equal(page.entry?.[0]?.resource.resourceType, 'OperationOutcome');
    assert.equal(page.entry?.[0]?.resource.issue?.[0]?.details?.coding?.[0]?.code, '4101');
  });

  it('has no outcome entry on searches that found something', async () => {
    const page = (
      await harness.get(
        `${connection.fhirBase}/Encounter?patient=${connection.patient}&_count=100`,
        connection.accessToken,
      )
    ).json<Page>();
    assert.ok((page.entry?.length ?? 0) > 0);
    assert.ok(page.entry!.every((entry) => entry.search?.mode === 'match'));
  });
});

describe('faults on generic profiles', () => {
  it('match a route by resource type under /fhir/r4 and /fhir/R4 too', async () => {
    harness.sandbox.faults.add({ org: 'org-a', route: 'Encounter', kind: 'status', status: 503, times: 2 });
    try {
      const lower = await harness.get(
        `${connection.fhirBase}/Encounter?patient=${connection.patient}`,
        connection.accessToken,
      );
      const upper = await harness.get(
        `${harness.sandbox.url}/org-a/fhir/R4/Encounter?patient=${connection.patient}`,
        connection.accessToken,
      );
      assert.deepEqual([lower.status, upper.status], [503, 503]);
      const after = await harness.get(
        `${connection.fhirBase}/Encounter?patient=${connection.patient}`,
        connection.accessToken,
      );
      assert.equal(after.status, 200);
    } finally {
      harness.sandbox.faults.clear();
    }
  });
});
