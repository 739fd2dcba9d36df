import { Hono } from 'hono';
import type { Services } from '../services.ts';
import { respondWithError } from './error-response.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { createMetricsRoutes } from './routes/metrics-routes.ts';
import { startHttpServer, type RunningServer } from './start-server.ts';

/** The app on CHARTBRIDGE_METRICS_PORT: `/metrics` without the API key, and nothing else. */
export function createMetricsApp(services: Pick<Services, 'metrics' | 'log'>): Hono {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.onError((error, c) => respondWithError(c, error, services.log));
  app.route('/', createMetricsRoutes({ metrics: services.metrics, apiKey: false }));
  return app;
}

/**
 * Serves `/metrics` on CHARTBRIDGE_METRICS_PORT (on HOST, like the main port) when it is set, for `serve`, `demo`
 * and `worker`; undefined when it is not (then the main app serves `/metrics` behind the API key).
 */
export async function startMetricsServer(
  services: Pick<Services, 'metrics' | 'log' | 'config'>,
): Promise<RunningServer | undefined> {
  const { metricsPort, host } = services.config;
  if (metricsPort === undefined) return undefined;
  const server = await startHttpServer(createMetricsApp(services), {
    host,
    port: metricsPort,
    flag: 'CHARTBRIDGE_METRICS_PORT',
  });
  services.log.info({ host, port: server.port }, 'metrics listening');
  return server;
}
