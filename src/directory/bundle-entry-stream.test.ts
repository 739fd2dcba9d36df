import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundleItems, type BundleItem } from './bundle-entry-stream.ts';
import { toChunks } from '../testing/directory-bundles.ts';

async function collect(text: string, chunkSize: number, options = {}): Promise<BundleItem[]> {
  const items: BundleItem[] = [];
  for await (const item of readBundleItems(toChunks(text, chunkSize), options)) items.push(item);
  return items;
}

const bundle = {
  resourceType: 'Bundle',
  meta: { tag: [{ code: 'x' }] },
  entry: [
    { resource: { resourceType: 'Organization', id: 'a', name: 'Quote " and \\ backslash }{][ "' } },
    { resource: { resourceType: 'Organization', id: 'b', name: 'Zürich – Ünïcode 医院 😀' } },
    { fullUrl: 'urn:uuid:c', resource: { resourceType: 'Endpoint', id: 'c', address: 'https://x/R4' } },
  ],
  type: 'collection',
};

test('entries and top-level fields come out whole at every chunk size (1 byte to whole file)', async () => {
  const text = '\ufeff' + JSON.stringify(bundle, null, 2);
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    const items = await collect(text, size);
    assert.deepEqual(
      items,
      [
        { kind: 'field', key: 'resourceType', value: 'Bundle' },
        { kind: 'field', key: 'meta', value: bundle.meta },
        ...bundle.entry.map((value, index) => ({ kind: 'entry', index, value })),
        { kind: 'field', key: 'type', value: 'collection' },
      ],
      `chunk size ${size}`,
    );
  }
});

test('an oversized entry, a truncated file and invalid JSON stop the read with a clear message', async () => {
  const big = JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { name: 'x'.repeat(5000) } }] });
  await assert.rejects(collect(big, 512, { maxEntryBytes: 1000 }), {
    code: 'ERR_DIRECTORY_INVALID',
    message: 'the directory file has an entry larger than 1000 bytes (entry 1)',
  });
  const text = JSON.stringify(bundle);
  await assert.rejects(collect(text.slice(0, text.length - 5), 16), {
    message: 'the directory file ends before the bundle is complete (truncated download?)',
  });
  await assert.rejects(collect('{"resourceType":"Bundle","entry":[{"a":tru}]}', 5), {
    message: 'the directory file has invalid JSON in entry 1',
  });
  await assert.rejects(collect('{"resourceType":Bundle,"entry":[]}', 5), {
    message: "the directory file has an invalid value for 'resourceType'",
  });
  await assert.rejects(collect('{"entry":[]}}', 5), {
    message: 'the directory file is not valid JSON (unbalanced brackets)',
  });
});
