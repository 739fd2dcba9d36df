import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** How a token refresh ended (vault/refresh-under-lease.ts): one series each, present from the start at 0. */
export const REFRESH_OUTCOMES = [
  'refreshed',
  'invalid_grant',
  'invalid_client',
  'failed',
  'lease_lost',
] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

/** How a sync run ended (sync/execute-run.ts's RunOutcome). */
export const SYNC_RUN_STATUSES = ['succeeded', 'partial', 'failed', 'retryable'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

/** Label value of requests no route answered (404s): raw paths never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface RequestObservation {
  method: string;
  /** The route pattern (`/api/connections/:id`), never the raw path: no ids or tokens in labels. */
  route: string;
  status: number;
  seconds: number;
}

/**
 * This process's Prometheus metrics in a registry of its own (no prom-client global), built by the composition
 * root and served at `/metrics`. Counters count what happened in this process since it started; the gauges read
 * from the database at scrape time (store-gauges.ts) are the same in every process.
 */
export interface Metrics {
  readonly registry: Registry;
  recordRefresh(outcome: RefreshOutcome): void;
  /** A finished sync run: its status, and the resources it stored or confirmed. */
  recordSyncRun(run: { status: SyncRunStatus; resources: number }): void;
  observeRequest(request: RequestObservation): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process CPU, memory, event-loop lag, GC: the usual `process_*` and `nodejs_*` series.
  collectDefaultMetrics({ register: registry });
  const refreshes = new Counter({
    name: 'chartbridge_token_refreshes_total',
    help: 'Token refreshes by outcome: refreshed, invalid_grant (patient must reconnect), invalid_client (operator problem), failed (transient, retried), lease_lost (a disconnect or reconnect won)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const syncRuns = new Counter({
    name: 'chartbridge_sync_runs_total',
    help: 'Finished sync runs by status: succeeded, partial (some queries failed), failed, retryable (paused, resumes from its checkpoint)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const resourcesStored = new Counter({
    name: 'chartbridge_resources_stored_total',
    help: 'FHIR resources stored or confirmed by finished sync runs',
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'chartbridge_http_request_duration_seconds',
    help: 'HTTP request durations by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Every known label value exported from the start, so a rate() sees the first event and a dashboard its zero.
  for (const outcome of REFRESH_OUTCOMES) refreshes.labels(outcome).inc(0);
  for (const status of SYNC_RUN_STATUSES) syncRuns.labels(status).inc(0);
  return {
    registry,
    recordRefresh: (outcome) => refreshes.labels(outcome).inc(),
    recordSyncRun({ status, resources }) {
      syncRuns.labels(status).inc();
      resourcesStored.inc(resources);
    },
    observeRequest: ({ method, route, status, seconds }) =>
      requestDuration.labels(method, route, String(status)).observe(seconds),
  };
}
