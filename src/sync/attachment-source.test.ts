import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBaseGuard } from '../fhir/base-guard.ts';
import { nextAttemptAt } from './attachment-backoff.ts';
import { classifyAttachmentUrl } from './attachment-source.ts';

const guard = createBaseGuard('https://ehr.example/api/FHIR/R4');

test('Binary urls under the base are keyed by their id, relative or absolute', () => {
  const expected = { kind: 'binary', key: 'eX.1-a', source: 'Binary/eX.1-a' };
  assert.deepEqual(classifyAttachmentUrl(guard, 'Binary/eX.1-a'), expected);
  assert.deepEqual(classifyAttachmentUrl(guard, 'https://ehr.example/api/FHIR/R4/Binary/eX.1-a'), expected);
  assert.deepEqual(
    classifyAttachmentUrl(guard, 'HTTPS://EHR.example:443/api/FHIR/R4/Binary/eX.1-a#p1'),
    expected,
  );
});

test('other paths under the base are fetched by path and keyed by a hash of it', () => {
  const doc = classifyAttachmentUrl(guard, 'https://ehr.example/api/FHIR/R4/document/pdf-123');
  assert.equal(doc?.kind, 'same-origin');
  assert.equal(doc.kind === 'same-origin' && doc.source, 'document/pdf-123');
  assert.match(doc!.key, /^url-[0-9a-f]{40}$/);
  assert.deepEqual(classifyAttachmentUrl(guard, 'document/pdf-123'), doc);
  const query = classifyAttachmentUrl(guard, 'Binary/abc?format=pdf');
  assert.equal(query?.kind, 'same-origin');
  assert.equal(query.kind === 'same-origin' && query.source, 'Binary/abc?format=pdf');
  assert.notEqual(query!.key, doc!.key);
  // An id that is not one safe segment is still a path under the base: fetched by path, never as an id.
  const escaped = classifyAttachmentUrl(guard, 'Binary/a%2Fb');
  assert.equal(escaped?.kind, 'same-origin');
});

test('other origins, ports, userinfo and paths beside the base are outside; the key hides the url', () => {
  for (const url of [
    'https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf',
    'https://ehr.example:8443/api/FHIR/R4/Binary/1',
    'https://user@ehr.example/api/FHIR/R4/Binary/1',
    'https://ehr.example/api/FHIR/R4x/Binary/1',
    'https://ehr.example/api/FHIR/R4/../../other/Binary/1',
    'http://ehr.example/api/FHIR/R4/Binary/1',
  ]) {
    const found = classifyAttachmentUrl(guard, url);
    assert.equal(found?.kind, 'outside', url);
    assert.match(found!.key, /^ext-[0-9a-f]{40}$/, url);
  }
});

test('no url, data and cid urls and overlong ones are not attachments to fetch', () => {
  for (const url of [
    undefined,
    '',
    42,
    'data:text/plain;base64,aGk=',
    'cid:part1',
    `Binary/${'a'.repeat(4100)}`,
  ])
    assert.equal(classifyAttachmentUrl(guard, url), undefined, String(url).slice(0, 30));
});

test('a failing attachment is retried by the next sync, then hourly doubling up to a week', () => {
  const now = 1_000_000;
  const hour = 3_600_000;
  assert.equal(nextAttemptAt(now, 1), now);
  assert.equal(nextAttemptAt(now, 2), now + hour);
  assert.equal(nextAttemptAt(now, 3), now + 2 * hour);
  assert.equal(nextAttemptAt(now, 6), now + 16 * hour);
  assert.equal(nextAttemptAt(now, 9), now + 128 * hour);
  assert.equal(nextAttemptAt(now, 10), now + 7 * 24 * hour);
  assert.equal(nextAttemptAt(now, 60), now + 7 * 24 * hour);
});
