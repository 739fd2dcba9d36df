import { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import { createHttpApp } from '../http/app.ts';
import { startMetricsServer } from '../http/metrics-app.ts';
import { startHttpServer } from '../http/start-server.ts';
import { startInProcessWorker } from '../jobs/start-worker.ts';
import { createServices } from '../services.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';

/** `chartbridge serve`: the HTTP server (JWKS, connect flow, pages, API) on HOST:PORT. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the HTTP server: JWKS, connect flow, pages and API (configure with CHARTBRIDGE_* variables)',
    )
    .option('--port <port>', 'listen port (default: PORT or 3000)')
    .option('--with-worker', 'also run background jobs (refresh, sync) in this process')
    .action(async (options: { port?: string; withWorker?: boolean }) => {
      const env = {
        ...process.env,
        ...(options.port === undefined ? {} : { PORT: parsePort(options.port, '--port') }),
      };
      const config = loadConfig(env);
      const services = await createServices(config);
      await migrateToLatest(services.store);
      // A wrong CHARTBRIDGE_ENCRYPTION_KEY stops the process here, before any job or request changes a row.
      await assertEncryptionKeyOpens(services).catch(async (error: unknown) => {
        await services.store.close();
        throw error;
      });
      // Everything started is closed again if a later step fails (a busy CHARTBRIDGE_METRICS_PORT, say), so the
      // process exits with that one line instead of serving on without its metrics.
      const closers: Array<() => Promise<void>> = [() => services.jobs.stop(), () => services.store.close()];
      try {
        const metricsServer = await startMetricsServer(services);
        if (metricsServer) closers.unshift(() => metricsServer.close());
        const server = await startHttpServer(createHttpApp(services), {
          host: config.host,
          port: config.port,
        });
        closers.unshift(() => server.close());
        if (options.withWorker) {
          const worker = await startInProcessWorker(services);
          closers.unshift(async () => void (await worker.stop()));
        }
        // Say "listening" only once the directory answers searches (its index is built on first use otherwise).
        await services.directory.warm();
        console.log(
          `chartbridge listening on http://${config.host}:${server.port} (public url ${config.publicUrl})`,
        );
        await waitForSignal();
      } finally {
        for (const close of closers) await close();
      }
    });
}

export function parsePort(value: string, flag: string): string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `${flag} must be a port number between 0 and 65535`);
  }
  return value;
}

/** Resolves on SIGINT or SIGTERM, so the caller can close servers and the database cleanly and exit 0. */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (signal: string) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
