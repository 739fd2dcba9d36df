import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePage } from './parse-page.ts';
import { OFF_THREAD_BYTES, parsePageOffLoop } from './page-parser.ts';

const limits = { maxDepth: 64, maxStringLength: 1 << 24, maxEntries: 2_000 };

function bigPage(entries: number, extra: Record<string, unknown> = {}): Buffer {
  const entry = (i: number) => ({
    resource: {
      resourceType: 'Observation',
      id: `obs-${i}-${'x'.repeat(80)}`,
      meta: { versionId: '1', lastUpdated: '2024-01-01T00:00:00Z' },
      note: [{ text: 'n'.repeat(1_000) }],
    },
  });
  return Buffer.from(
    JSON.stringify({
      resourceType: 'Bundle',
      link: [{ relation: 'next', url: 'https://ehr.example/fhir/Observation?page=2' }],
      entry: [...Array.from({ length: entries }, (_, i) => entry(i)), { fullUrl: 'no resource' }],
      ...extra,
    }),
  );
}

describe('page parser thread (issue 14)', () => {
  it('parses a large page off the event loop exactly as inline', async () => {
    const body = bigPage(1_500);
    assert.ok(body.length > OFF_THREAD_BYTES);
    const input = { body, limits, what: 'the Observation search' };
    const inline = parsePage(input);
    const threaded = await parsePageOffLoop(input);
    assert.deepEqual(threaded, inline);
    assert.equal(threaded.resources.length, 1_500);
    assert.deepEqual(threaded.dropped, { 'entry without a resource object': 1 });
    assert.equal(threaded.next, 'https://ehr.example/fhir/Observation?page=2');
  });

  it('carries cap errors back with their code and message', async () => {
    const input = { body: bigPage(2_001), limits, what: 'the Observation search' };
    await assert.rejects(parsePageOffLoop(input), {
      code: 'ERR_SIZE_LIMIT',
      message: 'the Observation search has more than 2000 entries (the cap for one page); it was skipped',
    });
    const broken = Buffer.concat([bigPage(1_000), Buffer.from('}')]);
    await assert.rejects(parsePageOffLoop({ ...input, body: broken }), {
      code: 'ERR_FHIR_RESPONSE_INVALID',
      message: 'the Observation search is not valid json',
    });
  });

  it('moves a large body to a ready thread instead of copying it', async () => {
    await parsePageOffLoop({ body: bigPage(700), limits, what: 'a page that starts the thread' });
    const body = Buffer.concat([bigPage(1_200)]);
    const length = body.length;
    const page = await parsePageOffLoop({ body, limits, what: 'the Observation search' });
    assert.equal(page.resources.length, 1_200);
    assert.ok(length > OFF_THREAD_BYTES);
    assert.equal(body.length, 0, 'the body was moved to the thread, not copied');
  });

  it('parses concurrent pages, each to its own answer', async () => {
    const pages = await Promise.all(
      [700, 900, 1_100].map((n) => parsePageOffLoop({ body: bigPage(n), limits, what: `page ${n}` })),
    );
    assert.deepEqual(
      pages.map((p) => p.resources.length),
      [700, 900, 1_100],
    );
  });
});
