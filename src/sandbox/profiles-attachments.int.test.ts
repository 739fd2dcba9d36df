import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { externalAttachmentUrl } from './fhir/attachment-urls.ts';
import {
  pageThrough,
  startProfileHarness,
  type Connection,
  type ProfileHarness,
} from '../testing/sandbox/profile-test-kit.ts';

let harness: ProfileHarness;
let connection: Connection;
let urls: string[];
before(async () => {
  harness = await startProfileHarness({ profile: 'flaky-attachments' });
  connection = await harness.connectTo('org-b', { loginHint: 'lawerencebaumbach' });
  urls = [];
  for (const type of ['DocumentReference', 'DiagnosticReport']) {
    const pages = await pageThrough(
      harness,
      `${connection.fhirBase}/${type}?patient=${connection.patient}&_count=100`,
      connection.accessToken,
    );
    for (const page of pages) {
      for (const entry of page.entry ?? []) {
        const resource = entry.resource as {
          content?: { attachment: { url?: string } }[];
          presentedForm?: { url?: string }[];
        };
        for (const item of resource.content ?? []) if (item.attachment.url) urls.push(item.attachment.url);
        for (const item of resource.presentedForm ?? []) if (item.url) urls.push(item.url);
      }
    }
  }
});
after(() => harness.close());

describe('profile flaky-attachments: Binaries that always fail, attachments elsewhere', () => {
  it('is Epic-shaped and serves every kind of attachment URL', () => {
    const org = harness.sandbox.orgs().find((item) => item.id === 'org-b')!;
    assert.deepEqual([org.profile, org.vendor, org.kind], ['flaky-attachments', 'epic', 'provider']);
    const kinds = new Set(
      urls.map((url) =>
        url.startsWith('Binary/')
          ? 'binary'
          : url.startsWith(`${connection.fhirBase}/document/pdf-`)
            ? 'document'
            : url,
      ),
    );
    assert.deepEqual([...kinds].sort(), ['binary', 'document', externalAttachmentUrl].sort());
  });

  it('answers some Binaries always 500, some always 403 with an empty body, the rest with the content', async () => {
    const statuses = new Map<number, number>();
    for (const url of urls.filter((item) => item.startsWith('Binary/'))) {
      const first = await harness.get(`${connection.fhirBase}/${url}`, connection.accessToken);
      const again = await harness.get(`${connection.fhirBase}/${url}`, connection.accessToken);
      assert.equal(again.status, first.status, 'a failing Binary fails every time');
      statuses.set(first.status, (statuses.get(first.status) ?? 0) + 1);
      if (first.status === 403) assert.equal(first.text, '');
      if (first.status === 500)
        assert.equal(first.json<{ issue: { code: string }[] }>().issue[0]!.code, 'exception');
      if (first.status === 200) assert.equal(first.json().resourceType, 'Binary');
    }
    assert.deepEqual([...statuses.keys()].sort(), [200, 403, 500]);
  });

  it('serves same-origin document paths as raw bytes to the patient’s token only; their Binary ids are 404', async () => {
    const documents = urls.filter((url) => url.startsWith(`${connection.fhirBase}/document/pdf-`));
    for (const url of documents) {
      const id = url.slice(url.lastIndexOf('/pdf-') + '/pdf-'.length);
      const binary = harness.sandbox.data.read('org-b', 'Binary', id)!;
      const answer = await fetch(url, { headers: { authorization: `Bearer ${connection.accessToken}` } });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('content-type'), binary.contentType);
      assert.deepEqual(Buffer.from(await answer.arrayBuffer()), Buffer.from(String(binary.data), 'base64'));
      assert.equal((await harness.get(url)).status, 401);
      assert.equal(
        (await harness.get(`${connection.fhirBase}/Binary/${id}`, connection.accessToken)).status,
        404,
      );
    }
  });

  it('lists document paths with their url in expectedRecord, failing and external ones in withheldRecord', async () => {
    const expected = harness.sandbox.expectedRecord('org-b', connection.patient);
    const withUrl = expected
      .filter((entry) => entry.url)
      .map((entry) => entry.url)
      .sort();
    assert.deepEqual(withUrl, urls.filter((url) => url.includes('/document/pdf-')).sort());
    const reasons = new Set(
      harness.sandbox
        .withheldRecord('org-b', connection.patient)
        .filter((entry) => entry.resourceType === 'Binary')
        .map((entry) => entry.reason),
    );
    assert.deepEqual([...reasons].sort(), [
      'attachment points at another host',
      'read answers 403',
      'read answers 500',
    ]);
    const readable = expected.filter((entry) => entry.resourceType === 'Binary' && !entry.url);
    for (const entry of readable.slice(0, 20)) {
      assert.equal(
        (await harness.get(`${connection.fhirBase}/Binary/${entry.id}`, connection.accessToken)).status,
        200,
      );
    }
  });
});
