import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { startMetricsServer } from '../http/metrics-app.ts';
import { createLogger } from '../log/logger.ts';
import { startWorker } from '../jobs/start-worker.ts';
import { loadWorkerSettings, parseCountFlag } from '../jobs/worker-settings.ts';
import { createServices } from '../services.ts';
import { openStore } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';

interface WorkerFlags {
  concurrency?: string;
  hostLimit?: string;
  globalLimit?: string;
  graceSeconds?: string;
  schedule: boolean;
}

/** `chartbridge worker`: runs refresh and sync jobs; start as many as the load needs against one PostgreSQL. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run background jobs (token refresh, sync, schedules); many may run against one PostgreSQL')
    .option(
      '--concurrency <n>',
      'jobs this process runs at once (default CHARTBRIDGE_WORKER_CONCURRENCY or 4)',
    )
    .option('--host-limit <n>', 'requests in flight per EHR host across ALL workers (default 5)')
    .option('--global-limit <n>', 'jobs running at once across ALL workers (default: no cap)')
    .option('--grace-seconds <n>', 'on SIGTERM, how long running jobs get to checkpoint (default 20)')
    .option('--no-schedule', 'do not plan refreshes, re-syncs and notices from this process')
    .action(async (flags: WorkerFlags) => {
      const settings = loadWorkerSettings(process.env);
      const concurrency = parseCountFlag('--concurrency', flags.concurrency) ?? settings.concurrency;
      const hostLimit = parseCountFlag('--host-limit', flags.hostLimit) ?? settings.hostLimit;
      const globalLimit = parseCountFlag('--global-limit', flags.globalLimit) ?? settings.globalLimit;
      const graceSeconds = parseCountFlag('--grace-seconds', flags.graceSeconds);
      const graceMs = graceSeconds ? graceSeconds * 1000 : settings.graceMs;
      const config = loadConfig(process.env);
      // Logs go to stderr; stdout carries the one ready line scripts wait for.
      const log = createLogger({ level: config.logLevel, destination: process.stderr });
      // Room for every running job plus heartbeats and slot queries; capped so N workers fit max_connections.
      const store = openStore(config.databaseUrl, { poolSize: Math.min(concurrency + 4, 24) });
      const services = await createServices(config, { log, store });
      await migrateToLatest(services.store);
      // A wrong CHARTBRIDGE_ENCRYPTION_KEY stops the process here, before any job or request changes a row.
      await assertEncryptionKeyOpens(services).catch(async (error: unknown) => {
        await services.store.close();
        throw error;
      });
      // A worker serves no HTTP, except /metrics on CHARTBRIDGE_METRICS_PORT when that is set. It opens before any
      // job starts, so a busy port ends the process with its one line instead of leaving a worker without metrics.
      const metricsServer = await startMetricsServer(services).catch(async (error: unknown) => {
        await services.store.close();
        throw error;
      });
      const runtime = await startWorker(services, {
        ...settings,
        concurrency,
        hostLimit,
        globalLimit,
        graceMs,
        schedule: flags.schedule,
      });
      console.log(
        `chartbridge worker ${runtime.worker.owner} ready (${runtime.queue.kind} queue, concurrency ${concurrency}, host limit ${hostLimit})`,
      );
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      // Bounded exit (case 26) even if a driver hangs while closing.
      setTimeout(() => process.exit(0), graceMs + 5000).unref();
      log.info({ signal }, 'worker stopping: no new jobs; running jobs checkpoint and are handed back');
      const { forced } = await runtime.stop();
      await metricsServer?.close();
      await services.store.close();
      console.log(`chartbridge worker stopped${forced ? ' (some jobs did not checkpoint in time)' : ''}`);
    });
}
