import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { createConnectSession } from '../../connect/connect-sessions.ts';
import { MAX_LIMIT } from '../../directory/directory-search.ts';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { renderHomePage, renderStatusPage } from '../../web/connect-pages.tsx';
import { CONNECT_STYLESHEET } from '../../web/layout.tsx';
import { BROWSER_COOKIE, readCookie, writeCookie } from '../browser-cookies.ts';
import { isSameOriginPost, readBrowserUserId } from './patient-session.ts';

const CSRF_COOKIE = 'cb_csrf';
const USER_COOKIE = 'cb_user';

/**
 * Home (the hospitals), the browser's own "connect" button, and the status page the callback lands on. The
 * button is a POST protected by a double-submit CSRF token and an Origin check (case 29).
 */
export function createHomeRoutes(services: Services): Hono {
  const routes = new Hono();
  routes.get('/assets/connect.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(CONNECT_STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  routes.get('/', async (c) => {
    const csrfToken = readCookie(c, CSRF_COOKIE) ?? createRandomToken();
    writeCookie(c, CSRF_COOKIE, csrfToken, services.config.publicUrl);
    const hospitals = await services.directory.search('', { limit: MAX_LIMIT });
    return c.html(renderHomePage({ hospitals, csrfToken }));
  });
  routes.post('/connect', (c) => startBrowserSession(c, services));
  routes.get('/connected/:launchId', (c) => showLaunchOutcome(c, services));
  return routes;
}

/** The home page's button: CSRF-checked, an anonymous per-browser user, then the picker of a new session. */
async function startBrowserSession(c: Context, services: Services): Promise<Response> {
  const publicUrl = services.config.publicUrl;
  const form = await c.req.parseBody();
  const cookie = readCookie(c, CSRF_COOKIE);
  // Chromium sends `Origin: null` on our own forms (Referrer-Policy: no-referrer): isSameOriginPost allows that.
  if (
    !cookie ||
    typeof form.csrf !== 'string' ||
    !sameSecret(cookie, form.csrf) ||
    !isSameOriginPost(c, publicUrl)
  ) {
    throw new ChartbridgeError('ERR_FORM_EXPIRED', 'this form has expired; reload the page and try again');
  }
  let userId = readCookie(c, USER_COOKIE);
  if (!userId) {
    userId = createRandomToken();
    writeCookie(c, USER_COOKIE, userId, publicUrl);
  }
  const session = await createConnectSession(
    { repos: services.repos, clock: services.clock, publicUrl, appOrigins: [] },
    { userId: `browser-${hashSecret(userId).slice(0, 24)}` },
  );
  return c.redirect(new URL(session.url).pathname, 303);
}

/** The status page the callback lands on; only the browser that started the launch may see it. */
async function showLaunchOutcome(c: Context, services: Services): Promise<Response> {
  const launch = await services.repos.launches.findById(c.req.param('launchId')!.slice(0, 100));
  const browser = readCookie(c, BROWSER_COOKIE);
  const row = launch?.connection_id
    ? await services.repos.connections.findById(launch.connection_id)
    : undefined;
  if (!launch || !browser || hashSecret(browser) !== launch.browser_hash || !row) {
    throw new ChartbridgeError('ERR_NOT_FOUND', 'no connection to show here; start from the app again');
  }
  const endpoint = await services.repos.endpoints.findEndpointById(launch.endpoint_id);
  const connection = {
    status: row.status,
    hospital: endpoint?.name ?? row.fhir_base,
    refreshable: row.refreshable === 1,
    scopeCount: row.scope ? row.scope.split(' ').length : 0,
    persistentAccessEndsAt: row.persistent_access_ends_at,
    connectedAt: row.created_at,
    progressHref:
      row.user_id === readBrowserUserId(c)
        ? `/my/connections/${encodeURIComponent(row.id)}/progress`
        : undefined,
  };
  return c.html(renderStatusPage({ connection }));
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(hashSecret(a));
  const right = Buffer.from(hashSecret(b));
  return timingSafeEqual(left, right);
}
