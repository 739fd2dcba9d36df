import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patientFixturesDir } from '../../src/sandbox/fixtures-dir.ts';
import { buildEpicPlan } from '../../src/sync/epic-plan.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { createTestStore } from '../../src/testing/databases.ts';
import { connectFirstPatient, startBenchFhirServer, warmUp } from './bench-fhir-server.ts';

export interface NetworkFigures {
  chartbridgeMs: number;
  chartbridgeFullMs: number;
  fhirclientMs: number;
  lowerBoundMs: number;
  peakConcurrency: number;
  resources: number;
  fhirclientResources: number;
  searchPages: number;
}

const LATENCY_MS = 50;
const PAGE_SIZE = 50;
const CONCURRENCY = 5;
const SCOPE = 'patient/*.read';

// fhirclient is installed for the benchmarks only (bench/package.json, by scripts/bench.sh): a specifier held in
// a variable keeps the project's typecheck from needing that install.
const fhirclientEntry = 'fhirclient/lib/entry/node.js';
const smart: unknown = ((await import(fhirclientEntry)) as { default: unknown }).default;

/**
 * (a) chartbridge's sync, (b) fhirclient `request` with `pageLimit: 0`, one query after another, (c) the
 * physical bound for a client keeping to five concurrent requests — one sandbox FHIR server in a child process
 * (an EHR is a machine of its own), 50 ms per request, ≤ 50 per page, the 5k-resource fixture. Both clients
 * read the same warmed-up server with the same token and scope; chartbridge stores into a real SQLite file.
 */
export async function measureNetwork(
  log: (line: string) => void,
  dateWindows = true,
): Promise<NetworkFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'chartbridge-bench-'));
  copyFileSync(join(patientFixturesDir, 'large_merged_Vito_Feeney_5k.json'), join(folder, 'large.json'));
  const server = await startBenchFhirServer({
    folders: [folder],
    organizations: 1,
    latencyMs: LATENCY_MS,
    pageSize: PAGE_SIZE,
  });
  const { store, cleanup } = await createTestStore('sqlite');
  try {
    const connection = { id: 'bench', scope: SCOPE };
    const { fhirBase, patientId, token, services } = await connectFirstPatient(server, store, connection);
    await warmUp(server, { fhirBase, patientId, token });

    let searchesDoneAt = 0;
    const started = performance.now();
    const summary = await runSync({
      services,
      connectionId: 'bench',
      syncLimits: { pageSize: PAGE_SIZE, dateWindows },
      onProgress: (p) => {
        if (p.phase !== 'queries' && searchesDoneAt === 0) searchesDoneAt = performance.now();
      },
    });
    const chartbridgeFullMs = performance.now() - started;
    const chartbridgeMs = (searchesDoneAt || performance.now()) - started;
    const { peakConcurrency, meanRequestMs } = await server.report({ clear: true });
    const searches = summary.queries.filter((q) => !q.key.startsWith('~'));
    const searchPages = searches.reduce((n, q) => n + q.pages, 0);
    const boundPages = searches.reduce((n, q) => n + Math.max(1, Math.ceil(q.resources / PAGE_SIZE)), 0);
    const lowerBoundMs = (boundPages / CONCURRENCY) * LATENCY_MS;
    log(
      `chartbridge: ${summary.status}, ${summary.resources} resources, ${searchPages} search pages; searches ${chartbridgeMs.toFixed(0)} ms, whole sync (references, attachments) ${chartbridgeFullMs.toFixed(0)} ms, peak concurrency ${peakConcurrency}, the server held each request ${meanRequestMs.toFixed(1)} ms on average`,
    );

    const plan = buildEpicPlan({ patientId, scope: SCOPE, pageSize: PAGE_SIZE });
    const fhir = fhirclientFor(fhirBase, token, patientId);
    const fcStarted = performance.now();
    let fhirclientResources = 0;
    for (const query of plan.queries) fhirclientResources += await countWithFhirclient(fhir, query.path);
    const fhirclientMs = performance.now() - fcStarted;
    log(
      `fhirclient: ${fhirclientResources} resources in ${fhirclientMs.toFixed(0)} ms (pageLimit 0, one query after another)`,
    );
    log(
      `lower bound: ${boundPages} pages / ${CONCURRENCY} × ${LATENCY_MS} ms = ${lowerBoundMs.toFixed(0)} ms`,
    );
    return {
      chartbridgeMs,
      chartbridgeFullMs,
      fhirclientMs,
      lowerBoundMs,
      peakConcurrency,
      resources: summary.resources,
      fhirclientResources,
      searchPages,
    };
  } finally {
    server.close();
    await cleanup();
    rmSync(folder, { recursive: true, force: true });
  }
}

interface FhirclientLike {
  request(url: string, options: Record<string, unknown>): Promise<unknown>;
}

/** A server-side fhirclient Client holding the access token, as a Node app that stored it would build. */
function fhirclientFor(serverUrl: string, accessToken: string, patient: string): FhirclientLike {
  const request = { headers: { host: 'localhost' }, url: '/', session: {} };
  const response = {};
  const factory = smart as unknown as (
    req: unknown,
    res: unknown,
  ) => { client(state: unknown): FhirclientLike };
  return factory(request, response).client({
    serverUrl,
    tokenResponse: { access_token: accessToken, patient, token_type: 'Bearer' },
  });
}

async function countWithFhirclient(client: FhirclientLike, path: string): Promise<number> {
  try {
    const result = await client.request(path, { pageLimit: 0, flat: true });
    if (Array.isArray(result))
      return result.filter((r) => (r as { resourceType?: string }).resourceType !== 'OperationOutcome')
        .length;
    return (result as { resourceType?: string })?.resourceType ? 1 : 0;
  } catch {
    return 0;
  }
}
