import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepNesting, endlessNext, longString, manyEntries } from './hostile-bodies.ts';

const original = () => new Response('{"resourceType":"Bundle"}', { headers: { 'content-length': '25' } });

describe('hostile bodies (bench:hostile)', () => {
  it('builds a page of many entries, streamed', async () => {
    const res = manyEntries(original(), { kind: 'many-entries', count: 2_500 });
    assert.equal(res.headers.get('content-type'), 'application/fhir+json');
    assert.equal(res.headers.get('content-length'), null);
    const bundle = (await res.json()) as { entry: Array<{ resource: { resourceType: string } }> };
    assert.equal(bundle.entry.length, 2_500);
  });

  it('builds a string of the asked length and nesting of the asked depth', async () => {
    const text = await longString(original(), { kind: 'long-string', bytes: 3_000_000 }).text();
    const bundle = JSON.parse(text) as { entry: Array<{ resource: { valueString: string } }> };
    assert.equal(bundle.entry[0]!.resource.valueString.length, 3_000_000);
    const deep = await deepNesting(original(), { kind: 'deep-nesting', count: 1_000 }).text();
    assert.equal(deep.split('[').length - 1, 1_000 + 1);
  });

  it('chains next links forever, a new cursor each page', async () => {
    const first = (await endlessNext(
      original(),
      'http://h/org-a/api/FHIR/R4/Procedure?patient=p',
    ).json()) as {
      link: Array<{ url: string }>;
      entry: Array<{ resource: { id: string } }>;
    };
    assert.equal(first.link[0]!.url, 'http://h/org-a/api/FHIR/R4/Procedure?patient=p&hostile-page=1');
    const second = (await endlessNext(original(), first.link[0]!.url).json()) as typeof first;
    assert.equal(second.link[0]!.url, 'http://h/org-a/api/FHIR/R4/Procedure?patient=p&hostile-page=2');
    assert.equal(second.entry[0]!.resource.id, 'endless-2');
  });
});
