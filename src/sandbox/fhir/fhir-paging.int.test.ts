import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSandboxData } from '../data/load-data.ts';
import type { MutableDataStore } from '../data/memory-store.ts';
import type { FhirResource, SandboxPatient } from '../model.ts';
import { startFhirHarness, type FhirHarness } from '../../testing/sandbox/fhir-test-harness.ts';

type Bundle = {
  total: number;
  link: { relation: string; url: string }[];
  entry: { resource?: FhirResource; search?: { mode: string } }[];
};

let data: MutableDataStore;
let harness: FhirHarness;
let vito: SandboxPatient;
let token: string;

async function get(url: string, bearer = token) {
  const full = url.startsWith('http') ? url : `${harness.fhirBase('org-b')}/${url}`;
  const res = await fetch(full, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}
const matchesOf = (bundle: Bundle) =>
  bundle.entry.filter((e) => e.search?.mode === 'match').map((e) => e.resource!);
const nextOf = (bundle: Bundle) => bundle.link.find((link) => link.relation === 'next')?.url;
const codesOf = (body: { issue: { details: { coding: { code: string }[] } }[] }) =>
  body.issue.map((issue) => issue.details.coding[0]?.code);

before(async () => {
  data = await loadSandboxData();
  harness = await startFhirHarness(data, { pageSize: 50, maxPageSize: 100, sessionTtlMs: 60_000 });
  vito = data.organization('org-b')!.patients.find((p) => p.username === 'vitofeeney')!;
  token = harness.issueToken({ orgId: 'org-b', patientId: vito.id });
});
after(() => harness.close());

describe('paging', () => {
  it('serves 50 by default, caps _count at 100, and reports the page count as total', async () => {
    const all = data
      .patientResources('org-b', vito.id, 'Observation')
      .filter((o) => JSON.stringify(o.category).includes('"laboratory"'));
    assert.ok(all.length > 200);
    const first = (await get(`Observation?patient=${vito.id}&category=laboratory`)).json() as Bundle;
    assert.equal(matchesOf(first).length, 50);
    assert.equal(first.total, 50);
    const capped = (
      await get(`Observation?patient=${vito.id}&category=laboratory&_count=1000`)
    ).json() as Bundle;
    assert.equal(matchesOf(capped).length, 100);
    let url = nextOf(capped);
    const seen = matchesOf(capped).map((r) => r.id);
    while (url) {
      assert.match(
        url,
        new RegExp(`^${harness.fhirBase('org-b')}/Observation\\?sessionID=\\d+-[0-9A-F]{32}$`),
      );
      const page = (await get(url)).json() as Bundle;
      seen.push(...matchesOf(page).map((r) => r.id));
      url = nextOf(page);
    }
    assert.equal(seen.length, all.length);
    assert.deepEqual(
      seen,
      all.map((r) => r.id),
    );
  });

  it('lets a cursor be retried, expires it after the TTL with 4113, and binds it to its patient', async () => {
    const first = (await get(`Encounter?patient=${vito.id}&_count=10`)).json() as Bundle;
    const next = nextOf(first)!;
    const once = (await get(next)).json() as Bundle;
    const again = (await get(next)).json() as Bundle;
    assert.deepEqual(
      matchesOf(again).map((r) => r.id),
      matchesOf(once).map((r) => r.id),
    );
    const other = data.organization('org-b')!.patients.find((p) => p.id !== vito.id)!;
    const stranger = await get(next, harness.issueToken({ orgId: 'org-b', patientId: other.id }));
    assert.equal(stranger.status, 400);
    assert.deepEqual(codesOf(stranger.json()), ['4113']);
    harness.clock.advance(60_000);
    const expired = await get(next);
    assert.equal(expired.status, 400);
    assert.deepEqual(codesOf(expired.json()), ['4113']);
    const unknown = await get(`Encounter?sessionID=16-NOTACURSOR`);
    assert.deepEqual(codesOf(unknown.json()), ['4113']);
  });

  it('rejects a bad _count with 4100', async () => {
    const res = await get(`Encounter?patient=${vito.id}&_count=zero`);
    assert.equal(res.status, 400);
    assert.deepEqual(codesOf(res.json()), ['4100']);
  });
});

async function collect(query: string): Promise<FhirResource[]> {
  const out: FhirResource[] = [];
  let url: string | undefined = `${query}&_count=100`;
  while (url) {
    const page = (await get(url)).json() as Bundle;
    out.push(...matchesOf(page));
    url = nextOf(page);
  }
  return out;
}

describe('date and _lastUpdated filters', () => {
  it('filters Observation by effective date (ge/lt) and Encounter by period', async () => {
    const obs = await collect(
      `Observation?patient=${vito.id}&category=vital-signs&date=ge1975-01-01&date=lt1976-01-01`,
    );
    const expected = data
      .patientResources('org-b', vito.id, 'Observation')
      .filter((o) => JSON.stringify(o.category).includes('"vital-signs"'))
      .filter(
        (o) => String(o.effectiveDateTime) >= '1975-01-01' && String(o.effectiveDateTime) < '1976-01-01',
      );
    assert.ok(expected.length > 0);
    assert.deepEqual(
      obs.map((o) => o.id),
      expected.map((o) => o.id),
    );
    const encounters = await collect(`Encounter?patient=${vito.id}&date=1975`);
    const inYear = data
      .patientResources('org-b', vito.id, 'Encounter')
      .filter((e) => String((e.period as { start: string }).start).startsWith('1975'));
    assert.deepEqual(
      encounters.map((e) => e.id),
      inYear.map((e) => e.id),
    );
  });

  it('filters by meta.lastUpdated with gt and le', async () => {
    const all = data.patientResources('org-b', vito.id, 'Immunization');
    const pivot = all[Math.floor(all.length / 2)]!.meta!.lastUpdated!;
    const after = await collect(`Immunization?patient=${vito.id}&_lastUpdated=gt${pivot}`);
    const upTo = await collect(`Immunization?patient=${vito.id}&_lastUpdated=le${pivot}`);
    assert.deepEqual(
      after.map((r) => r.id),
      all.filter((r) => r.meta!.lastUpdated! > pivot).map((r) => r.id),
    );
    assert.equal(after.length + upTo.length, all.length);
    assert.ok(after.length > 0 && upTo.length > 0);
    const bad = await get(`Immunization?patient=${vito.id}&_lastUpdated=gtyesterday`);
    assert.equal(bad.status, 400);
    assert.deepEqual(codesOf(bad.json()), ['4100']);
  });
});
