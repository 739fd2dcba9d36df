import { revokedDataDays } from '../config/safeguards-config.ts';
import { Hono } from 'hono';
import { ChartbridgeError } from '../errors.ts';
import type { Services } from '../services.ts';
import { createManagementApi } from './api/management-api.ts';
import { pingDatabase } from '../store/database.ts';
import { respondWithError } from './error-response.ts';
import { accessLog } from './middleware/access-log.ts';
import { limitFailedApiKeys } from './middleware/api-key-lockout.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { createCallbackRoutes } from './routes/callback-routes.ts';
import { createConnectRoutes } from './routes/connect-routes.ts';
import { createHomeRoutes } from './routes/home-routes.ts';
import { createJwksRoutes } from './routes/jwks-routes.ts';
import { createLegalRoutes } from './routes/legal-routes.ts';
import { createMetricsRoutes } from './routes/metrics-routes.ts';
import { createOperatorRoutes } from './routes/operator-routes.ts';
import { createPatientConnectRoutes } from './routes/patient-connect-routes.ts';
import { createProgressRoutes } from './routes/progress-routes.ts';
import { createRecordRoutes } from './routes/record-routes.ts';
import { createCoveragePageRoutes } from './routes/coverage-page-routes.ts';

/**
 * The HTTP application: each route group lives in its own file under http/routes and is mounted here.
 * Building it needs only the services object, so tests create the whole app in one line.
 */
export function createHttpApp(services: Services): Hono {
  const app = new Hono();
  app.use('*', accessLog(services));
  app.use('*', securityHeaders({ https: services.config.publicUrl.startsWith('https:') }));
  app.onError((error, c) => respondWithError(c, error, services.log));
  app.notFound((c) => respondWithError(c, notFound(), services.log));
  // Before every route: one count of wrong API keys per address for everything behind the key — the management
  // API and, on the main port, /metrics — so a guesser cannot switch to the other to keep guessing.
  const lockout = limitFailedApiKeys({ clock: services.clock, ...services.config.safeguards.apiKeyLockout });
  app.use('/api/*', lockout);
  app.use('/metrics', lockout);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    await pingDatabase(services.store.db);
    return c.json({ status: 'ready' });
  });
  app.route('/', createHomeRoutes(services));
  const { legal, publicUrl, safeguards } = services.config;
  app.route('/', createLegalRoutes({ legal, publicUrl, revokedDataDays: revokedDataDays(safeguards) }));
  // Before the connect routes: its middleware lets the picker load the live-search script.
  app.route('/', createPatientConnectRoutes(services));
  app.route('/', createConnectRoutes(services));
  app.route('/', createCallbackRoutes(services));
  // The JSON API under /api and its OpenAPI document at /openapi.json.
  app.route('/', createManagementApi(services));
  app.route('/', createJwksRoutes(services.keys));
  app.route('/', createRecordRoutes(services));
  app.route('/', createCoveragePageRoutes(services));
  app.route('/', createProgressRoutes(services));
  app.route('/', createOperatorRoutes(services));
  // On CHARTBRIDGE_METRICS_PORT instead when that is set (http/metrics-app.ts).
  if (services.config.metricsPort === undefined)
    app.route('/', createMetricsRoutes({ metrics: services.metrics, apiKey: services.config.apiKey }));
  return app;
}

function notFound(): ChartbridgeError {
  return new ChartbridgeError('ERR_NOT_FOUND', 'no such page or api route');
}
