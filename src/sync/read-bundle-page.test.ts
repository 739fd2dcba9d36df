import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import { decodeBinary } from './decode-binary.ts';
import { prepareResource, rankVersion } from './prepare-resource.ts';
import { readBundlePage } from './read-bundle-page.ts';

const obs = (id: string, versionId: string, lastUpdated: string, value = 1) => ({
  resource: { resourceType: 'Observation', id, meta: { versionId, lastUpdated }, valueQuantity: { value } },
});

describe('reading a search page (case 8)', () => {
  it('turns OperationOutcome entries into warnings, counts entries without a resource as dropped, keeps the newest duplicate', () => {
    const page = readBundlePage(
      {
        resourceType: 'Bundle',
        link: [
          { relation: 'self', url: 'x' },
          { relation: 'next', url: 'https://ehr/fhir/Observation?sessionID=1' },
        ],
        entry: [
          obs('a', '2', '2024-01-02T00:00:00Z', 2),
          obs('a', '1', '2024-01-01T00:00:00Z', 1),
          { fullUrl: 'no resource here' },
          {
            resource: {
              resourceType: 'OperationOutcome',
              issue: [
                {
                  severity: 'warning',
                  code: 'informational',
                  details: {
                    coding: [{ code: '4119' }],
                    text: 'This resource may not contain the entire record.',
                  },
                },
              ],
            },
            search: { mode: 'outcome' },
          },
          obs('b', '1', '2024-01-01T00:00:00Z'),
        ],
      },
      'the Observation search',
    );
    assert.deepEqual(
      page.resources.map((r) => [r.id, r.versionId]),
      [
        ['a', '2'],
        ['b', '1'],
      ],
    );
    assert.deepEqual(page.warnings, ['warning 4119: This resource may not contain the entire record.']);
    assert.deepEqual(page.dropped, { 'entry without a resource object': 1 });
    assert.equal(page.outcomes, 1);
    assert.equal(page.next, 'https://ehr/fhir/Observation?sessionID=1');
  });

  it('accounts for every entry: stored, duplicate, outcome or dropped with its reason', () => {
    const entries = [
      obs('ok-1', '1', '2024-01-01T00:00:00Z'),
      obs(`long-${'x'.repeat(120)}`, '1', '2024-01-01T00:00:00Z'),
      obs('../escape', '1', '2024-01-01T00:00:00Z'),
      obs('a/b', '1', '2024-01-01T00:00:00Z'),
      obs('x'.repeat(1025), '1', '2024-01-01T00:00:00Z'),
      { resource: { resourceType: 'Observation' } },
      { resource: { resourceType: '../Patient', id: 'p' } },
      { resource: 'a string' },
      {},
    ];
    const page = readBundlePage({ resourceType: 'Bundle', entry: entries }, 'the Observation search');
    assert.deepEqual(
      page.resources.map((r) => r.id.slice(0, 5)),
      ['ok-1', 'long-'],
    );
    assert.deepEqual(page.dropped, {
      'Observation entry with an id that is not safe in a url path': 2,
      'Observation entry with an id longer than 1024 characters': 1,
      'Observation entry with no id': 1,
      'entry with an invalid resourceType': 1,
      'entry without a resource object': 2,
    });
    const dropped = Object.values(page.dropped).reduce((a, b) => a + b, 0);
    assert.equal(page.resources.length + dropped + page.outcomes, entries.length);
  });

  it('refuses bodies that are not bundles, quoting an OperationOutcome', () => {
    assert.throws(() => readBundlePage([1, 2], 'the Goal search'), {
      code: 'ERR_FHIR_RESPONSE_INVALID',
      message: 'the Goal search did not return a bundle',
    });
    assert.throws(
      () =>
        readBundlePage(
          {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'processing', diagnostics: 'bad\u0000thing' }],
          },
          'the Goal search',
        ),
      { message: 'the Goal search did not return a bundle: error processing: bad thing' },
    );
    assert.throws(
      () =>
        parseJsonCapped(
          Buffer.from('{"resourceType":"Bun'),
          { maxDepth: 10, maxStringLength: 100 },
          'page 7',
        ),
      {
        code: 'ERR_FHIR_RESPONSE_INVALID',
        message: 'page 7 is not valid json',
      },
    );
  });

  it('orders versions by lastUpdated, then numeric versionId', () => {
    assert.ok(rankVersion('10', '2024-01-01T00:00:00Z') > rankVersion('9', '2024-01-01T00:00:00Z'));
    assert.ok(rankVersion('1', '2024-01-02T00:00:00Z') > rankVersion('9', '2024-01-01T00:00:00Z'));
    assert.equal(rankVersion(null, null), '');
  });
});

describe('hostile ids (case 9)', () => {
  it('refuses ids that could escape a path, with a reason that never quotes the id', () => {
    const unsafe = 'Observation entry with an id that is not safe in a url path';
    const cases: Array<[unknown, string]> = [
      ['../x', unsafe],
      ['a/b', unsafe],
      ['..', unsafe],
      ['.', unsafe],
      ['a\u0000b', unsafe],
      ['a\\b', unsafe],
      ["1' or '1'='1", unsafe],
      ['a b', unsafe],
      ['%2e%2e', unsafe],
      ['a?b', unsafe],
      ['a#b', unsafe],
      ['x'.repeat(1025), 'Observation entry with an id longer than 1024 characters'],
      ['', 'Observation entry with no id'],
      [42, 'Observation entry with no id'],
    ];
    for (const [id, reason] of cases) {
      const prepared = prepareResource({ resourceType: 'Observation', id });
      assert.deepEqual(prepared, { ok: false, reason }, JSON.stringify(id));
    }
    assert.deepEqual(prepareResource({ resourceType: '../Patient', id: 'a' }), {
      ok: false,
      reason: 'entry with an invalid resourceType',
    });
  });

  it('keeps the long ids real servers send (Epic unconstrained ids, payer hex ids)', () => {
    const epicLong = `e${'AbC9.x-'.repeat(18)}Z`; // 128 characters
    for (const id of ['eAbC-12.3', epicLong, 'f'.repeat(96), 'a-80000.E-14545', 'x'.repeat(1024)]) {
      const prepared = prepareResource({ resourceType: 'Observation', id });
      assert.equal(prepared.ok, true, id);
      assert.equal(prepared.ok && prepared.record.id, id);
    }
  });
});

describe('json caps (case 11)', () => {
  it('trips on deep nesting and long strings before building objects', () => {
    const deep = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.throws(() => parseJsonCapped(deep, { maxDepth: 64, maxStringLength: 1000 }, 'page 2'), {
      code: 'ERR_SIZE_LIMIT',
      message: 'page 2 has nesting deeper than 64 levels; it was skipped',
    });
    const long = Buffer.from(JSON.stringify({ a: 'x'.repeat(5000) }));
    assert.throws(() => parseJsonCapped(long, { maxDepth: 64, maxStringLength: 1000 }, 'page 3'), {
      code: 'ERR_SIZE_LIMIT',
      message: 'page 3 has a string longer than 1000 bytes; it was skipped',
    });
    assert.deepEqual(
      parseJsonCapped(Buffer.from('{"a":"\\"[[["}'), { maxDepth: 1, maxStringLength: 10 }, 'p'),
      { a: '"[[[' },
    );
    // An escaped backslash ends right before the closing quote: the brackets after it count again.
    const afterEscapes = Buffer.from('{"a":"x\\\\","b":[[1]]}');
    assert.throws(() => parseJsonCapped(afterEscapes, { maxDepth: 2, maxStringLength: 10 }, 'p'), {
      message: 'p has nesting deeper than 2 levels; it was skipped',
    });
    const unterminated = Buffer.from(`{"a":"${'y'.repeat(50)}`);
    assert.throws(() => parseJsonCapped(unterminated, { maxDepth: 9, maxStringLength: 10 }, 'p'), {
      message: 'p has a string longer than 10 bytes; it was skipped',
    });
  });
});

describe('binaries (case 10)', () => {
  const response = (body: unknown, contentType: string) => ({
    status: 200,
    url: 'x',
    contentType,
    retryAfter: null,
    body: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
  });

  it('keeps hostile content types as a label on stored bytes', () => {
    const html = Buffer.from('<script>alert(1)</script>');
    const decoded = decodeBinary(
      response(
        { resourceType: 'Binary', contentType: 'text/html', data: html.toString('base64') },
        'application/fhir+json',
      ),
      html.length,
    );
    assert.equal(decoded.status, 'ok');
    assert.equal(decoded.contentType, 'text/html');
    assert.deepEqual(decoded.bytes, html);
    const raw = decodeBinary(response(Buffer.from('<svg/>'), 'image/svg+xml; charset=utf-8'), undefined);
    assert.equal(raw.contentType, 'image/svg+xml');
    assert.equal(
      decodeBinary(response(Buffer.from('x'), 'text/html\r\nSet-Cookie: a=b'), undefined).contentType,
      'application/octet-stream',
    );
  });

  it('marks corrupt base64 and size mismatches corrupt', () => {
    const bad = decodeBinary(
      response(
        { resourceType: 'Binary', contentType: 'application/pdf', data: 'not*base64!' },
        'application/fhir+json',
      ),
      undefined,
    );
    assert.equal(bad.status, 'corrupt');
    assert.equal(bad.bytes, null);
    const short = decodeBinary(
      response(
        {
          resourceType: 'Binary',
          contentType: 'application/pdf',
          data: Buffer.from('abc').toString('base64'),
        },
        'application/fhir+json',
      ),
      10,
    );
    assert.equal(short.status, 'corrupt');
  });
});
