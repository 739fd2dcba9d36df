/**
 * Sandbox FHIR throughput and memory. The sandbox runs in a child process (so its RSS is its own and the five
 * client connections really overlap); the parent runs every Epic query (docs/epic-facts.md §5) for every patient with 5
 * concurrent connections, following next links. Scenarios: all fixtures (3 rounds), 2,000 synthetic patients,
 * and the first page of a 200,000-resource patient. Last line: one JSON object.
 *
 *   npm run bench:sandbox [-- --rounds 3 --synthetic-patients 2000 --per-patient 60 --connections 5]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { observationCategories } from '../src/sandbox/data/epic-shape.ts';
import { searchableTypes } from '../src/sandbox/fhir/resource-kinds.ts';
import { serveForBench, type BenchScenario, type ServerReport } from './lib/sandbox-server.ts';

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'synthetic-patients': { type: 'string', default: '2000' },
    'per-patient': { type: 'string', default: '60' },
    connections: { type: 'string', default: '5' },
  },
});

interface ServerHandle {
  child: ChildProcess;
  ready: ServerReport;
  ask(): Promise<ServerReport>;
}

async function startChild(scenario: BenchScenario): Promise<ServerHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(scenario)], {
    execArgv: process.execArgv,
  });
  const [ready] = (await once(child, 'message')) as [ServerReport];
  return {
    child,
    ready,
    ask: async () => {
      child.send('report');
      const [report] = (await once(child, 'message')) as [ServerReport];
      return report;
    },
  };
}

/** Every query a patient-access client runs for one patient. */
function planQueries(base: string, patientId: string): string[] {
  const queries: string[] = [`${base}/Patient/${patientId}`];
  for (const type of searchableTypes) {
    if (type === 'Observation') {
      for (const code of observationCategories)
        queries.push(`${base}/Observation?patient=${patientId}&category=${code}`);
    } else if (type === 'CarePlan') {
      for (const code of ['38717003', '734163000', 'assess-plan'])
        queries.push(`${base}/CarePlan?patient=${patientId}&category=${code}`);
    } else queries.push(`${base}/${type}?patient=${patientId}`);
  }
  return queries;
}

type Page = {
  resourceType: string;
  entry?: { search?: { mode: string } }[];
  link?: { relation: string; url: string }[];
};

async function runQuery(url: string, token: string): Promise<number> {
  let resources = 0;
  let next: string | undefined = url;
  while (next) {
    const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Page;
    if (body.resourceType !== 'Bundle') return resources + 1;
    resources += (body.entry ?? []).filter((entry) => entry.search?.mode !== 'outcome').length;
    next = body.link?.find((link) => link.relation === 'next')?.url;
  }
  return resources;
}

async function pull(server: ServerHandle, rounds: number) {
  const jobs: { url: string; token: string }[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const { orgId, patientId } of server.ready.patients) {
      const token = `${orgId}~${patientId}`;
      for (const url of planQueries(`${server.ready.origin}/${orgId}/api/FHIR/R4`, patientId))
        jobs.push({ url, token });
    }
  }
  let resources = 0;
  const started = performance.now();
  const workers = Array.from({ length: Number(values.connections) }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const served = await runQuery(job.url, job.token);
      resources += served;
    }
  });
  await Promise.all(workers);
  const ms = performance.now() - started;
  const report = await server.ask();
  return {
    resources,
    requests: report.counters.requests,
    pages: report.counters.pages,
    mb: Math.round(report.counters.bytes / 104857.6) / 10,
    seconds: Math.round(ms) / 1000,
    resourcesPerSecond: Math.round((resources / ms) * 1000),
    requestsPerSecond: Math.round((report.counters.requests / ms) * 1000),
    peakConcurrency: report.peakConcurrency,
    statuses: report.statuses,
    serverRssAfterMb: report.rssMb,
  };
}

async function runScenario(scenario: BenchScenario, rounds: number) {
  const server = await startChild(scenario);
  try {
    const result = await pull(server, rounds);
    return {
      patients: server.ready.patients.length,
      loadMs: server.ready.loadMs,
      serverRssLoadedMb: server.ready.rssMb,
      ...result,
    };
  } finally {
    server.child.kill();
  }
}

async function benchHugePatient() {
  const server = await startChild({ synthetic: { patients: 1, resourcesPerPatient: 200_000, seed: 1 } });
  try {
    const { orgId, patientId } = server.ready.patients[0]!;
    const started = performance.now();
    const url = `${server.ready.origin}/${orgId}/api/FHIR/R4/Observation?patient=${patientId}&category=laboratory`;
    await runQuery(url.replace('laboratory', 'vital-signs'), `${orgId}~${patientId}`).catch(() => 0);
    const firstMs = Math.round(performance.now() - started);
    const report = await server.ask();
    return {
      resources: 200_000,
      vitalSignsPulledMs: firstMs,
      serverRssLoadedMb: server.ready.rssMb,
      serverRssAfterMb: report.rssMb,
      pages: report.counters.pages,
    };
  } finally {
    server.child.kill();
  }
}

async function main(): Promise<void> {
  if (values.serve) return serveForBench(JSON.parse(values.serve) as BenchScenario);
  const connections = Number(values.connections);
  const fixtures = await runScenario({}, Number(values.rounds));
  console.log(
    `fixtures: ${fixtures.resources} resources in ${fixtures.seconds}s over ${connections} connections = ${fixtures.resourcesPerSecond}/s; server RSS loaded ${fixtures.serverRssLoadedMb} MB`,
  );
  const patients = Number(values['synthetic-patients']);
  const synthetic = await runScenario(
    { synthetic: { patients, resourcesPerPatient: Number(values['per-patient']), seed: 1 } },
    1,
  );
  console.log(
    `synthetic: ${patients} patients, ${synthetic.resources} resources = ${synthetic.resourcesPerSecond}/s; server RSS ${synthetic.serverRssLoadedMb} MB`,
  );
  const huge = await benchHugePatient();
  console.log(
    `200k patient: all vital signs pulled in ${huge.vitalSignsPulledMs} ms; server RSS ${huge.serverRssLoadedMb} → ${huge.serverRssAfterMb} MB`,
  );
  console.log(JSON.stringify({ bench: 'sandbox', connections, fixtures, synthetic, hugePatient: huge }));
}

await main();
