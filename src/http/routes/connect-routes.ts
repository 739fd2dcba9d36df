import { Hono } from 'hono';
import { findUsableConnectSession } from '../../connect/connect-sessions.ts';
import { startLaunch } from '../../connect/start-launch.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { renderPickerPage } from '../../web/connect-pages.tsx';
import { ensureBrowserSecret } from '../browser-cookies.ts';

/**
 * The connect-session URL. Without `org` it shows the hospital picker; with `org=<organizationId>` it starts the
 * launch and redirects to the EHR. The unguessable one-time token in the path is the CSRF protection (case 29).
 */
export function createConnectRoutes(services: Services): Hono {
  const routes = new Hono();
  routes.get('/connect/:token', async (c) => {
    const token = c.req.param('token');
    const session = await findUsableConnectSession(services, token);
    const org = c.req.query('org');
    if (org === undefined) {
      const query = (c.req.query('q') ?? '').slice(0, 100);
      // The directory's typo-tolerant search; no name lists what is connectable, brands first.
      const hospitals = await services.directory.search(query, { limit: 50 });
      return c.html(renderPickerPage({ hospitals, query, sessionPath: `/connect/${token}` }));
    }
    if (org.length === 0 || org.length > 200)
      throw new ChartbridgeError('ERR_INVALID_INPUT', "'org' must name an organization from the directory");
    const browserSecret = ensureBrowserSecret(c, services.config.publicUrl);
    const { authorizeUrl } = await startLaunch(services, { session, organizationId: org, browserSecret });
    return c.redirect(authorizeUrl, 302);
  });
  return routes;
}
