import { importDirectoryFromUrl } from '../directory/update-directory.ts';
import type { Services } from '../services.ts';
import { runSync } from '../sync/run-sync.ts';
import { retryDueRevocations } from '../vault/revocation-outbox.ts';
import { createFhirHostLimiter } from './limits/fhir-host-limiter.ts';
import { createHostSlots } from './limits/host-slots.ts';
import { createJobHandlers, type SyncRunner } from './handlers.ts';
import { createScheduler } from './schedules/scheduler.ts';
import { defaultScheduleSettings } from './schedules/schedule-settings.ts';
import { createWebhookNoticeSender } from './schedules/notices.ts';
import { createSafeguardsSchedule } from './schedules/safeguards.ts';
import { startWorkerRuntime, type WorkerRuntime } from './worker-process.ts';
import type { WorkerSettings } from './worker-settings.ts';

export interface StartWorkerOptions extends Partial<WorkerSettings> {
  /** The sync engine; by default src/sync's `runSync`. */
  runSync?: SyncRunner;
  /** Run the scheduler in this process (it runs in one process at a time anyway). */
  schedule?: boolean;
  /** Notices go to the configured webhook (CHARTBRIDGE_WEBHOOK_URL/SECRET, like sync completions) unless set. */
  webhook?: { url: string; secret: string };
  /** How often the scheduler plans work (default 30 s). */
  schedulerIntervalMs?: number;
}

/**
 * The sync engine with the worker's limiter, signal and lease: every request holds a database-wide host slot, and
 * every page commit checks the job's lease in its own transaction, so a zombie worker writes no page.
 */
export function createRunSync(services: Services): SyncRunner {
  return ({ connectionId, full, signal, limiter, context }) =>
    runSync({ services, connectionId, full, signal, limiter, fence: context.fence });
}

/** The scheduled `directory update` of CHARTBRIDGE_DIRECTORY_URL (off without it), like the CLI's but quiet. */
function createDirectorySchedule(services: Services, intervalMs: number | undefined) {
  const deps = { db: services.store.db, clock: services.clock, log: services.log, fetch: services.fetch };
  return {
    settings: { url: services.config.directoryUrl, ...(intervalMs === undefined ? {} : { intervalMs }) },
    update: (url: string) => importDirectoryFromUrl(deps, { url, skipUnchanged: true }),
  };
}

/** One batch of due pending revocations (case 28); returns how many were attempted. */
async function retryRevocationBatch(services: Services): Promise<number> {
  const counts = await retryDueRevocations(services, { batchSize: 50 });
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** A worker on the full service set: real refresh and sync handlers, database-wide limits, the scheduler. */
export async function startWorker(
  services: Services,
  options: StartWorkerOptions = {},
): Promise<WorkerRuntime> {
  const runSyncJob = options.runSync ?? createRunSync(services);
  const schedule = { ...defaultScheduleSettings };
  if (options.resyncIntervalMs) schedule.resyncIntervalMs = options.resyncIntervalMs;
  if (options.noticeDays) schedule.noticeAheadMs = options.noticeDays * 86_400_000;
  return startWorkerRuntime({
    store: services.store,
    databaseUrl: services.config.databaseUrl,
    clock: services.clock,
    log: services.log,
    worker: {
      concurrency: options.concurrency ?? 4,
      globalLimit: options.globalLimit ?? null,
      shutdownGraceMs: options.graceMs ?? 20_000,
      leaseTtlMs: options.leaseTtlMs ?? 30_000,
    },
    createHandlers: ({ limiter }) =>
      createJobHandlers({
        services,
        runSync: runSyncJob,
        limiter: createFhirHostLimiter(createHostSlots({ limiter, hostLimit: options.hostLimit ?? 5 })),
        refreshFreshForMs: schedule.refreshAheadMs + schedule.refreshJitterMs + schedule.horizonMs,
      }),
    companions:
      options.schedule === false
        ? []
        : [
            ({ queue, owner }) =>
              createScheduler({
                store: services.store,
                queue,
                clock: services.clock,
                log: services.log,
                owner,
                settings: schedule,
                intervalMs: options.schedulerIntervalMs,
                directory: createDirectorySchedule(services, options.directoryUpdateIntervalMs),
                revocations: () => retryRevocationBatch(services),
                notify: createWebhookNoticeSender({
                  url: (options.webhook ?? services.config.webhook)?.url,
                  secret: (options.webhook ?? services.config.webhook)?.secret,
                  fetch: services.fetch,
                  clock: services.clock,
                }),
              }),
            ({ owner }) =>
              createSafeguardsSchedule({
                services,
                owner,
                intervalMs: options.schedulerIntervalMs ?? 30_000,
              }),
          ],
  });
}

/** For `demo` and `serve --with-worker`: a worker inside the HTTP process (SQLite or PostgreSQL). */
export function startInProcessWorker(
  services: Services,
  options: StartWorkerOptions = {},
): Promise<WorkerRuntime> {
  // A short scheduler tick: on one machine the first sync of a new connection should start within seconds.
  return startWorker(services, {
    concurrency: 2,
    graceMs: 5000,
    schedulerIntervalMs: 5000,
    ...options,
  });
}
