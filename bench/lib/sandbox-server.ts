/**
 * The server half of bench/sandbox.ts (run in a child process): loads the data, serves the FHIR app behind the
 * request log and faults, accepts `{orgId}~{patientId}` as bearer tokens, and reports over IPC.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { systemClock } from '../../src/clock.ts';
import { loadSandboxData, type LoadDataOptions } from '../../src/sandbox/data/load-data.ts';
import { createFaults } from '../../src/sandbox/faults.ts';
import { createFhirApp } from '../../src/sandbox/fhir/fhir-app.ts';
import { createRequestLog, type RequestCounters } from '../../src/sandbox/request-log.ts';

export type BenchScenario = Pick<LoadDataOptions, 'synthetic' | 'large' | 'folders' | 'organizations'> & {
  /** Added to every request, as the sandbox's latency fault does. */
  latencyMs?: number;
  /** Resources per search page (the sandbox's default is 50). */
  pageSize?: number;
};

export interface ServerReport {
  origin: string;
  loadMs: number;
  rssMb: number;
  patients: { orgId: string; patientId: string }[];
  counters: RequestCounters;
  peakConcurrency: number;
  statuses: Record<number, number>;
  /** Mean time the server held a request, latency included (ms). */
  meanRequestMs: number;
}

function measureRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
}

export async function serveForBench(scenario: BenchScenario): Promise<void> {
  const started = performance.now();
  const { latencyMs, pageSize, ...dataOptions } = scenario;
  const data = await loadSandboxData(dataOptions);
  const loadMs = Math.round(performance.now() - started);
  const log = createRequestLog();
  const fhir = createFhirApp({
    data,
    clock: systemClock,
    ...(pageSize === undefined ? {} : { pageSize }),
    clientGrants: () => [],
    lookupAccessToken: (token) => {
      const [orgId = '', patientId = ''] = token.split('~');
      return { clientId: 'bench', orgId, patientId, scopes: [], expiresAt: Date.now() + 3600_000 };
    },
  });
  const app = new Hono();
  app.use('*', log.middleware);
  const faults = createFaults();
  if (latencyMs) faults.add({ kind: 'latency', ms: latencyMs });
  app.use('*', faults.middleware);
  app.route('/:orgId/api/FHIR/R4', fhir);
  const server = await new Promise<Server>((resolve) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(listening as Server),
    );
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const patients = data
    .organizations()
    .flatMap((org) => org.patients.map((p) => ({ orgId: org.id, patientId: p.id })));
  const report = (): ServerReport => {
    const statuses: Record<number, number> = {};
    const entries = log.entries();
    for (const entry of entries) statuses[entry.status] = (statuses[entry.status] ?? 0) + 1;
    const held = entries.reduce((total, entry) => total + entry.durationMs, 0);
    return {
      origin,
      loadMs,
      rssMb: measureRss(),
      patients,
      counters: log.counters(),
      peakConcurrency: log.peakConcurrency(),
      statuses,
      meanRequestMs: entries.length === 0 ? 0 : held / entries.length,
    };
  };
  process.send?.(report());
  // Any message asks for a report; 'clear' then empties the request log for the next measurement.
  process.on('message', (message) => {
    process.send?.(report());
    if (message === 'clear') log.clear();
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}
