/**
 * Sandbox FHIR throughput and memory: resources/second served to a 5-connection client that runs every Epic
 * query (EPIC.md §5) for every patient, following next links; RSS with all fixtures loaded. Also a synthetic load
 * (2,000 patients) and the first page of a 200,000-resource patient. Last line: one JSON object.
 *
 *   npm run bench:sandbox [-- --rounds 3 --synthetic-patients 2000 --per-patient 60]
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { systemClock } from '../src/clock.ts';
import { observationCategories } from '../src/sandbox/data/epic-shape.ts';
import { loadSandboxData } from '../src/sandbox/data/load-data.ts';
import { createFaults } from '../src/sandbox/faults.ts';
import { createFhirApp } from '../src/sandbox/fhir/fhir-app.ts';
import { searchableTypes } from '../src/sandbox/fhir/resource-kinds.ts';
import type { AccessTokenInfo, SandboxDataStore } from '../src/sandbox/model.ts';
import { createRequestLog } from '../src/sandbox/request-log.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'synthetic-patients': { type: 'string', default: '2000' },
    'per-patient': { type: 'string', default: '60' },
    connections: { type: 'string', default: '5' },
  },
});
const connections = Number(values.connections);

function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
}

async function startServer(data: SandboxDataStore) {
  const tokens = new Map<string, AccessTokenInfo>();
  const log = createRequestLog();
  const app = new Hono();
  app.use('*', log.middleware);
  app.use('*', createFaults().middleware);
  app.route(
    '/:orgId/api/FHIR/R4',
    createFhirApp({
      data,
      clock: systemClock,
      lookupAccessToken: (t) => tokens.get(t),
      clientGrants: () => [],
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started as Server),
    );
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    tokens,
    log,
    close: () =>
      new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/** Every query a patient-access client runs for one patient. */
function planQueries(base: string, patientId: string): string[] {
  const queries: string[] = [`${base}/Patient/${patientId}`];
  for (const type of searchableTypes) {
    if (type === 'Observation')
      for (const code of observationCategories)
        queries.push(`${base}/Observation?patient=${patientId}&category=${code}`);
    else if (type === 'CarePlan')
      for (const code of ['38717003', '734163000', 'assess-plan'])
        queries.push(`${base}/CarePlan?patient=${patientId}&category=${code}`);
    else queries.push(`${base}/${type}?patient=${patientId}`);
  }
  return queries;
}

async function runQuery(url: string, token: string): Promise<number> {
  let resources = 0;
  let next: string | undefined = url;
  while (next) {
    const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as {
      resourceType: string;
      entry?: { search?: { mode: string } }[];
      link?: { relation: string; url: string }[];
    };
    if (body.resourceType !== 'Bundle') return resources + 1;
    resources += (body.entry ?? []).filter((entry) => entry.search?.mode !== 'outcome').length;
    next = body.link?.find((link) => link.relation === 'next')?.url;
  }
  return resources;
}

/** `connections` workers drain one queue of queries; returns resources and elapsed ms. */
async function pull(server: Awaited<ReturnType<typeof startServer>>, data: SandboxDataStore, rounds: number) {
  const jobs: { url: string; token: string }[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const org of data.organizations()) {
      for (const patient of org.patients) {
        const token = `t-${org.id}-${patient.id}`;
        server.tokens.set(token, {
          clientId: 'bench',
          orgId: org.id,
          patientId: patient.id,
          scopes: [],
          expiresAt: Date.now() + 3600_000,
        });
        for (const url of planQueries(`${server.origin}/${org.id}/api/FHIR/R4`, patient.id))
          jobs.push({ url, token });
      }
    }
  }
  server.log.clear();
  let resources = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const served = await runQuery(job.url, job.token);
        resources += served;
      }
    }),
  );
  const ms = performance.now() - started;
  const counters = server.log.counters();
  const statuses: Record<number, number> = {};
  for (const entry of server.log.entries()) statuses[entry.status] = (statuses[entry.status] ?? 0) + 1;
  return {
    resources,
    requests: counters.requests,
    pages: counters.pages,
    mb: Math.round(counters.bytes / 104857.6) / 10,
    seconds: Math.round(ms) / 1000,
    resourcesPerSecond: Math.round((resources / ms) * 1000),
    requestsPerSecond: Math.round((counters.requests / ms) * 1000),
    peakConcurrency: server.log.peakConcurrency(),
    statuses,
  };
}

async function benchFixtures() {
  const before = rssMb();
  const loadStart = performance.now();
  const data = await loadSandboxData();
  const loadMs = Math.round(performance.now() - loadStart);
  const rssLoaded = rssMb();
  const server = await startServer(data);
  const result = await pull(server, data, Number(values.rounds));
  await server.close();
  return { loadMs, rssBeforeMb: before, rssLoadedMb: rssLoaded, rssAfterMb: rssMb(), ...result };
}

async function benchSynthetic() {
  const patients = Number(values['synthetic-patients']);
  const data = await loadSandboxData({
    synthetic: { patients, resourcesPerPatient: Number(values['per-patient']), seed: 1 },
  });
  const rssLoaded = rssMb();
  const server = await startServer(data);
  const result = await pull(server, data, 1);
  await server.close();
  return { patients, rssLoadedMb: rssLoaded, ...result };
}

async function benchHugePatient() {
  const data = await loadSandboxData({ synthetic: { patients: 1, resourcesPerPatient: 200_000, seed: 1 } });
  const server = await startServer(data);
  const patient = data.organizations()[0]!.patients[0]!;
  server.tokens.set('huge', {
    clientId: 'bench',
    orgId: 'org-a',
    patientId: patient.id,
    scopes: [],
    expiresAt: Date.now() + 3600_000,
  });
  const started = performance.now();
  const res = await fetch(
    `${server.origin}/org-a/api/FHIR/R4/Observation?patient=${patient.id}&category=laboratory`,
    { headers: { authorization: 'Bearer huge' } },
  );
  await res.arrayBuffer();
  const firstPageMs = Math.round(performance.now() - started);
  const rss = rssMb();
  await server.close();
  return { resources: 200_000, firstPageMs, rssMb: rss };
}

const fixtures = await benchFixtures();
console.log(
  `fixtures: ${fixtures.resources} resources in ${fixtures.seconds}s over ${connections} connections = ${fixtures.resourcesPerSecond}/s; RSS loaded ${fixtures.rssLoadedMb} MB`,
);
const synthetic = await benchSynthetic();
console.log(
  `synthetic: ${synthetic.patients} patients, ${synthetic.resources} resources = ${synthetic.resourcesPerSecond}/s`,
);
const huge = await benchHugePatient();
console.log(`200k patient: first laboratory page in ${huge.firstPageMs} ms, RSS ${huge.rssMb} MB`);
console.log(JSON.stringify({ bench: 'sandbox', connections, fixtures, synthetic, hugePatient: huge }));
