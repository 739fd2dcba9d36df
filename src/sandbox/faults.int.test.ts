import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChartbridgeError } from '../errors.ts';
import { loadSandboxData } from './data/load-data.ts';
import type { MutableDataStore } from './data/memory-store.ts';
import { createFaults } from './faults.ts';
import { startFhirHarness, type FhirHarness } from '../testing/sandbox/fhir-test-harness.ts';
import type { SandboxPatient } from './model.ts';

let data: MutableDataStore;
let harness: FhirHarness;
let patient: SandboxPatient;
let token: string;
const sleeps: number[] = [];

before(async () => {
  data = await loadSandboxData();
  harness = await startFhirHarness(data, {
    pageSize: 5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  patient = data.organization('org-a')!.patients.find((p) => p.username === 'clienttestsuscore')!;
  token = harness.issueToken({ orgId: 'org-a', patientId: patient.id });
});
after(() => harness.close());
beforeEach(() => {
  harness.faults.clear();
  sleeps.length = 0;
});

const observations = () =>
  `${harness.fhirBase('org-a')}/Observation?patient=${patient.id}&category=vital-signs`;
const fetchWithToken = (url: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

describe('fault spec parsing', () => {
  it('parses several rules separated by ";"', () => {
    const spec =
      'org=org-a,route=Observation,kind=status,status=503,retryAfter=2,times=3; kind=latency,ms=200,afterRequests=4';
    assert.deepEqual(createFaults().parse(spec), [
      { org: 'org-a', route: 'Observation', kind: 'status', status: 503, retryAfter: '2', times: 3 },
      { kind: 'latency', ms: 200, afterRequests: 4 },
    ]);
  });

  it('rejects unknown kinds, unknown fields and bad numbers with ERR_INVALID_INPUT', () => {
    const faults = createFaults();
    const cases: [string, string][] = [
      [
        'kind=explode',
        'fault kind "explode" is unknown; use one of latency, status, reset, slow-body, oversized, malformed, foreign-next, no-headers, no-resource, foreign-attachment, compression-bomb, many-entries, long-string, deep-nesting, endless-next',
      ],
      [
        'kind=status,colour=red',
        'fault field "colour" is unknown; use org, route, kind, status, retryAfter, ms, bytes, count, origin, times or afterRequests',
      ],
      ['kind=latency,ms=soon', 'fault field "ms" must be a whole number'],
      ['kind=status,route=(', 'fault route "(" is not a valid regular expression'],
      ['status', 'fault field "status" is not key=value'],
    ];
    for (const [spec, message] of cases) {
      assert.throws(
        () => faults.parse(spec),
        (error: unknown) => {
          assert.ok(error instanceof ChartbridgeError);
          assert.equal(error.code, 'ERR_INVALID_INPUT');
          assert.equal(error.message, message);
          return true;
        },
      );
    }
  });
});

describe('faults over HTTP', () => {
  it('answers 429 with an HTTP-date Retry-After for `times` requests, only on the matching org and route', async () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    harness.faults.add({
      org: 'org-a',
      route: 'Observation',
      kind: 'status',
      status: 429,
      retryAfter: date,
      times: 2,
    });
    const encounter = await fetchWithToken(`${harness.fhirBase('org-a')}/Encounter?patient=${patient.id}`);
    assert.equal(encounter.status, 200);
    await encounter.arrayBuffer();
    for (let i = 0; i < 2; i += 1) {
      const res = await fetchWithToken(observations());
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), date);
      await res.arrayBuffer();
    }
    assert.equal((await fetchWithToken(observations())).status, 200);
  });

  it('answers 503 with Retry-After seconds after `afterRequests` good ones, matched by a path regex', async () => {
    harness.faults.add({
      route: '/Observation$',
      kind: 'status',
      status: 503,
      retryAfter: '2',
      afterRequests: 1,
    });
    assert.equal((await fetchWithToken(observations())).status, 200);
    const res = await fetchWithToken(observations());
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    const other = harness.issueToken({
      orgId: 'org-b',
      patientId: data.organization('org-b')!.patients[0]!.id,
    });
    const metadata = await fetch(`${harness.fhirBase('org-b')}/metadata`, {
      headers: { authorization: `Bearer ${other}` },
    });
    assert.equal(metadata.status, 200);
  });

  it('adds latency through the injected sleep', async () => {
    harness.faults.add({ kind: 'latency', ms: 250 });
    assert.equal((await fetchWithToken(observations())).status, 200);
    assert.deepEqual(sleeps, [250]);
  });

  it('resets the connection mid-body', async () => {
    harness.faults.add({ kind: 'reset', times: 1 });
    const res = await fetchWithToken(observations());
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
  });

  it('sends a slow body one byte per `ms`, complete in the end', async () => {
    const normal = await (await fetchWithToken(`${harness.fhirBase('org-a')}/metadata`)).text();
    harness.faults.add({ kind: 'slow-body', ms: 1000, route: 'metadata' });
    const slow = await (await fetchWithToken(`${harness.fhirBase('org-a')}/metadata`)).text();
    assert.equal(slow, normal);
    assert.equal(sleeps.length, Buffer.byteLength(normal) - 1);
    assert.ok(sleeps.every((ms) => ms === 1000));
  });

  it('serves oversized, malformed and resource-less pages', async () => {
    harness.faults.add({ kind: 'oversized', bytes: 2_000_000, times: 1 });
    const oversized = await (await fetchWithToken(observations())).text();
    assert.ok(oversized.length > 2_000_000);
    assert.equal(JSON.parse(oversized).resourceType, 'Bundle');
    harness.faults.add({ kind: 'malformed', times: 1 });
    const malformed = await fetchWithToken(observations());
    assert.equal(malformed.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
    assert.throws(() => JSON.parse('x'), SyntaxError);
    await assert.rejects(malformed.json(), SyntaxError);
    harness.faults.add({ kind: 'no-resource', times: 1 });
    const bundle = (await (await fetchWithToken(observations())).json()) as {
      entry: { resource?: unknown; search: { mode: string } }[];
    };
    assert.equal(bundle.entry.filter((e) => e.search.mode === 'match' && e.resource === undefined).length, 5);
    assert.equal(bundle.entry.filter((e) => e.resource !== undefined).length, 1);
  });

  it('points the next link at another origin, and drops headers', async () => {
    harness.faults.add({ kind: 'foreign-next', origin: 'http://127.0.0.2:9', times: 1 });
    const bundle = (await (await fetchWithToken(observations())).json()) as {
      link: { relation: string; url: string }[];
    };
    assert.match(
      bundle.link.find((l) => l.relation === 'next')!.url,
      /^http:\/\/127\.0\.0\.2:9\/org-a\/api\/FHIR\/R4\/Observation\?sessionID=/,
    );
    harness.faults.add({ kind: 'no-headers', times: 1 });
    const bare = await fetchWithToken(observations());
    assert.equal(bare.headers.get('content-type'), 'text/plain; charset=UTF-8');
    assert.equal((JSON.parse(await bare.text()) as { resourceType: string }).resourceType, 'Bundle');
  });

  it('points attachment URLs at another origin', async () => {
    harness.faults.add({ kind: 'foreign-attachment', origin: 'http://127.0.0.2:9', times: 1 });
    const url = `${harness.fhirBase('org-a')}/DocumentReference?patient=${patient.id}`;
    const bundle = (await (await fetchWithToken(url)).json()) as {
      entry: { resource: { content?: { attachment: { url: string } }[] } }[];
    };
    const urls = bundle.entry.flatMap((e) => e.resource.content ?? []).map((c) => c.attachment.url);
    assert.equal(urls.length, 3);
    for (const attachmentUrl of urls) assert.match(attachmentUrl, /^http:\/\/127\.0\.0\.2:9\/Binary\/e/);
  });

  it('sends a gzip body that inflates far beyond its size', async () => {
    harness.faults.add({ kind: 'compression-bomb', bytes: 4_000_000, times: 1 });
    const res = await fetchWithToken(observations());
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.ok(Number(res.headers.get('content-length')) < 20_000);
    const text = await res.text();
    assert.equal(text.length, 4_000_000);
    assert.equal((JSON.parse(text) as { resourceType: string }).resourceType, 'Bundle');
  });
});
