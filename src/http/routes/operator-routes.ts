import { Hono, type Context } from 'hono';
import { recordPhiRead, summaryRead } from '../../audit/phi-reads.ts';
import { listRecentReauthBursts } from '../../audit/reauth-burst.ts';
import { runDoctorChecks } from '../../doctor/doctor-checks.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import { createDirectoryRepository } from '../../store/directory-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { createSyncRunsRepository } from '../../store/sync-runs-repository.ts';
import { buildCoverageReport } from '../../sync/coverage.ts';
import {
  renderDoctorPage,
  renderOperatorConnectionPage,
} from '../../web/operator/operator-connection-page.tsx';
import { renderOperatorLoginPage } from '../../web/operator/operator-login-page.tsx';
import { renderOperatorOverviewPage } from '../../web/operator/operator-overview-page.tsx';
import { limitRequestsPerWindow } from '../request-window-limiter.ts';
import { addOperatorConnectionActions } from './operator-connection-actions.ts';
import { listRegistrationAlerts } from '../../store/registration-alerts.ts';
import { listOperatorConnections } from '../../store/operator-connections.ts';
import { countByStatus, groupAlerts } from '../../web/operator/operator-overview.ts';
import { createOperatorSessions } from './operator-session.ts';
import { isSameOriginPost } from './patient-session.ts';
import { isSafeId } from '../../store/safe-ids.ts';

/**
 * The operator's pages under /operator, signed in with the API key (an HttpOnly, SameSite=Strict session
 * cookie): connections by status, alerts by organisation, sync runs and coverage, directory, keys, doctor.
 */
export function createOperatorRoutes(services: Services): Hono {
  const routes = new Hono();
  const db = services.store.db;
  const sessions = createOperatorSessions({
    apiKey: services.config.apiKey,
    clock: services.clock,
    publicUrl: services.config.publicUrl,
  });
  const runs = createSyncRunsRepository(db);
  const resources = createResourcesRepository(db);
  routes.get('/operator/login', (c) => c.html(renderOperatorLoginPage({ failed: false })));
  routes.use('/operator/login', limitRequestsPerWindow({ clock: services.clock, max: 10, windowMs: 60_000 }));
  routes.post('/operator/login', async (c) => {
    checkOrigin(c, services.config.publicUrl);
    const form = await c.req.parseBody();
    if (!sessions.checkKey(typeof form.apiKey === 'string' ? form.apiKey : ''))
      return c.html(renderOperatorLoginPage({ failed: true }), 401);
    sessions.start(c);
    return c.redirect('/operator', 303);
  });
  routes.post('/operator/logout', (c) => {
    checkOrigin(c, services.config.publicUrl);
    sessions.end(c);
    return c.redirect('/operator/login', 303);
  });
  routes.use('/operator', sessions.require());
  routes.use('/operator/connections/*', sessions.require());
  routes.use('/operator/doctor', sessions.require());
  routes.get('/operator', (c) => showOverview(c, services));
  routes.get('/operator/connections/:id', async (c) => {
    const row = await findConnection(services, c.req.param('id'));
    const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
    const coverage = await buildCoverageReport({ runs, resources }, row.id);
    const via = 'GET /operator/connections/:id';
    const summary = { ...summaryRead(coverage.entries), connectionId: row.id, userId: row.user_id, via };
    await recordPhiRead(services, { actor: 'operator', action: 'phi.summary', ...summary });
    return c.html(
      renderOperatorConnectionPage({
        connectionId: row.id,
        hospital: endpoint?.name ?? row.fhir_base,
        status: row.status,
        runs: await runs.listRuns(row.id, 20),
        coverage,
      }),
    );
  });
  addOperatorConnectionActions(routes, services, {
    findConnection: (id) => findConnection(services, id),
    checkOrigin: (c) => checkOrigin(c, services.config.publicUrl),
  });
  routes.get('/operator/doctor', async (c) => {
    // The running server's own configuration, keys and database: exactly what it uses to connect patients.
    const checks = await runDoctorChecks({
      config: services.config,
      keys: services.keys,
      db: services.store.db,
      fetch: services.fetch,
    });
    return c.html(renderDoctorPage({ checks }));
  });
  return routes;
}

async function showOverview(c: Context, services: Services): Promise<Response> {
  const db = services.store.db;
  const connections = await listOperatorConnections(db, 500);
  const overview = {
    counts: countByStatus(connections),
    alerts: groupAlerts(connections),
    registrationAlerts: await listRegistrationAlerts(db, services.clock.now()),
    reauthBursts: await listRecentReauthBursts(services),
    connections,
    directory: await createDirectoryRepository(db).readStats(),
    keys: services.keys
      .list()
      .map((k) => ({ kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt })),
    jwksUrl: `${services.config.publicUrl}/.well-known/jwks.json`,
    publishedKeys: services.keys.publicJwks().keys.length,
  };
  return c.html(renderOperatorOverviewPage({ overview }));
}

async function findConnection(services: Services, id: string): Promise<ConnectionRow> {
  const row = isSafeId(id) ? await services.repos.connections.findById(id) : undefined;
  if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${id.slice(0, 128)}' not found`);
  return row;
}

function checkOrigin(c: Context, publicUrl: string): void {
  if (!isSameOriginPost(c, publicUrl))
    throw new ChartbridgeError('ERR_FORM_EXPIRED', 'this form has expired; reload the page and try again');
}
