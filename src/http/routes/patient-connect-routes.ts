import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { findUsableConnectSession } from '../../connect/connect-sessions.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { renderConnectExplainerPage } from '../../web/patient/connect-explainer-page.tsx';
import { limitRequestsPerWindow } from '../request-window-limiter.ts';
import { allowSameOriginScript } from './patient-session.ts';

const MAX_SEARCH_LENGTH = 100;

/**
 * The patient's way in: the UI's stylesheet and script, the public hospital search behind search-as-you-type
 * (public directory fields only, no API key, length- and rate-limited), and the "before you connect" page.
 */
export function createPatientConnectRoutes(services: Services): Hono {
  const routes = new Hono();
  const css = readFileSync(new URL('../../web/assets/app.css', import.meta.url));
  const js = readFileSync(new URL('../../web/assets/app.js', import.meta.url));
  routes.get('/assets/app.css', (c) =>
    c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  );
  routes.get('/assets/app.js', (c) =>
    c.body(js, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
    }),
  );
  routes.use(
    '/directory/search',
    limitRequestsPerWindow({ clock: services.clock, max: 60, windowMs: 10_000 }),
  );
  routes.get('/directory/search', (c) => searchHospitals(c, services));
  routes.use('/connect/*', allowSameOriginScript());
  routes.get('/connect/:token/about', (c) => showConnectExplainer(c, services));
  return routes;
}

/** Public directory fields only: what the picker shows and the organisation id its link needs. */
async function searchHospitals(c: Context, services: Services): Promise<Response> {
  const q = c.req.query('q') ?? '';
  if (q.length > MAX_SEARCH_LENGTH)
    throw new ChartbridgeError('ERR_INVALID_INPUT', `'q' must be at most ${MAX_SEARCH_LENGTH} characters`);
  const found = await services.directory.search(q, { limit: 20 });
  const results = found.map((r) => ({
    organizationId: r.organizationId,
    name: r.name,
    city: r.city,
    state: r.state,
  }));
  return c.json({ query: q, results });
}

async function showConnectExplainer(c: Context, services: Services): Promise<Response> {
  const token = c.req.param('token') ?? '';
  await findUsableConnectSession(services, token);
  const org = c.req.query('org') ?? '';
  const endpoint =
    org.length > 0 && org.length <= 200
      ? await services.repos.directory.findEndpointForOrganization(org)
      : undefined;
  if (!endpoint)
    throw new ChartbridgeError('ERR_NOT_FOUND', 'that hospital is not in the directory; pick another one');
  const sessionPath = `/connect/${encodeURIComponent(token)}`;
  return c.html(
    renderConnectExplainerPage({
      hospital: endpoint.name,
      continueHref: `${sessionPath}?org=${encodeURIComponent(org)}`,
      backHref: sessionPath,
    }),
  );
}
