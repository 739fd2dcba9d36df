import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '../testing/wait-for.ts';
import { loadSandboxData } from './data/load-data.ts';
import { startFhirHarness, type FhirHarness } from '../testing/sandbox/fhir-test-harness.ts';
import type { SandboxPatient } from './model.ts';
import { redactUrl } from './request-log.ts';

let harness: FhirHarness;
let patient: SandboxPatient;
let token: string;
const gate = { waiting: 0, release: () => {} };
let opened = Promise.resolve();

before(async () => {
  const data = await loadSandboxData();
  harness = await startFhirHarness(data, {
    pageSize: 10,
    sleep: async () => {
      gate.waiting += 1;
      await opened;
    },
  });
  patient = data.organization('org-a')!.patients.find((p) => p.username === 'clienttestsuscore')!;
  token = harness.issueToken({ orgId: 'org-a', patientId: patient.id });
});
after(() => harness.close());
beforeEach(() => {
  harness.log.clear();
  harness.faults.clear();
});

describe('request log', () => {
  it('records whether a bearer was sent, never its value', async () => {
    const url = `${harness.fhirBase('org-a')}/Patient/${patient.id}`;
    await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    await (await fetch(url)).arrayBuffer();
    const entries = harness.log.entries();
    assert.deepEqual(
      entries.map(({ method, url: path, orgId, bearer, status }) => ({
        method,
        path,
        orgId,
        bearer,
        status,
      })),
      [
        {
          method: 'GET',
          path: `/org-a/api/FHIR/R4/Patient/${patient.id}`,
          orgId: 'org-a',
          bearer: true,
          status: 200,
        },
        {
          method: 'GET',
          path: `/org-a/api/FHIR/R4/Patient/${patient.id}`,
          orgId: 'org-a',
          bearer: false,
          status: 401,
        },
      ],
    );
    assert.ok(entries[0]!.bytes > 1000);
    assert.equal(entries[1]!.bytes, 0);
    assert.ok(!JSON.stringify(entries).includes(token));
  });

  it('redacts secret-looking query parameters', () => {
    const url = new URL('http://h/x?code=abc&state=s1&a=1&access_token=t0k');
    assert.equal(redactUrl(url), '/x?code=REDACTED&state=REDACTED&a=1&access_token=REDACTED');
  });

  it('counts requests, pages, resources and bytes', async () => {
    const first = await fetch(
      `${harness.fhirBase('org-a')}/Observation?patient=${patient.id}&category=vital-signs`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const bundle = (await first.json()) as { link: { relation: string; url: string }[] };
    const next = bundle.link.find((link) => link.relation === 'next')!.url;
    await (await fetch(next, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    await (
      await fetch(`${harness.fhirBase('org-a')}/Patient/${patient.id}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).arrayBuffer();
    const counters = harness.log.counters();
    assert.deepEqual({ ...counters, bytes: 0 }, { requests: 3, pages: 2, resources: 10 + 3 + 1, bytes: 0 });
    assert.equal(
      counters.bytes,
      harness.log.entries().reduce((sum, entry) => sum + entry.bytes, 0),
    );
  });

  it('tracks the peak number of requests in flight per host', async () => {
    let open = () => {};
    opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    gate.waiting = 0;
    harness.faults.add({ kind: 'latency', ms: 1 });
    const url = `${harness.fhirBase('org-a')}/metadata`;
    const host = new URL(url).host;
    const requests = Array.from({ length: 5 }, () => fetch(url).then((res) => res.arrayBuffer()));
    await waitFor(() => gate.waiting === 5, { what: 'five requests in flight' });
    open();
    await Promise.all(requests);
    assert.equal(harness.log.peakConcurrency(host), 5);
    assert.equal(harness.log.peakConcurrency(), 5);
    assert.equal(harness.log.peakConcurrency('elsewhere:1'), 0);
  });
});
