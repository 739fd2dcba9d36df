import { Hono, type Context } from 'hono';
import { parseCallbackQuery } from '../../connect/callback-query.ts';
import { completeCallback } from '../../connect/complete-callback.ts';
import { isChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { renderErrorPage } from '../../web/error-page.tsx';
import { BROWSER_COOKIE, readCookie } from '../browser-cookies.ts';

/**
 * The redirect URIs (`/callback` and `/api/auth/smart/callback`). On success the browser is sent on at once to a
 * clean URL (case 38): the app's validated returnUrl, or our status page; the code never stays in the address bar.
 */
export function createCallbackRoutes(services: Services): Hono {
  const routes = new Hono();
  const handle = async (c: Context) => {
    const rawQuery = new URL(c.req.url).search.replace(/^\?/, '');
    const params = parseCallbackQuery(rawQuery);
    try {
      const result = await completeCallback(services, {
        params,
        browserSecret: readCookie(c, BROWSER_COOKIE),
      });
      if (result.returnUrl) {
        const target = new URL(result.returnUrl);
        target.searchParams.set('connectionId', result.connectionId);
        return c.redirect(target.toString(), 303);
      }
      return c.redirect(`/connected/${result.launchId}`, 303);
    } catch (error) {
      if (isChartbridgeError(error, 'ERR_AUTHORIZATION_DENIED')) {
        const detail = params.get('error_description')?.slice(0, 300) ?? undefined;
        return c.html(
          renderErrorPage({ title: 'The connection was not approved', message: error.message, detail }),
          400,
        );
      }
      throw error;
    }
  };
  routes.get('/callback', handle);
  routes.get('/api/auth/smart/callback', handle);
  return routes;
}
