import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { routePatternOf } from './middleware/access-log.ts';
import { renderErrorPage } from '../web/error-page.tsx';

/**
 * The one place errors become HTTP: JSON `{error: {code, message}}` under /api and on /metrics and /openapi.json,
 * a friendly HTML page elsewhere.
 * The status comes from the code (`ERROR_STATUS` in errors.ts), never from the throw site.
 * Unexpected errors are logged (without request data) and answered with a generic 500.
 */
export function respondWithError(c: Context, error: unknown, log: Logger): Response | Promise<Response> {
  const known = isChartbridgeError(error);
  const status = (known ? error.status : 500) as ContentfulStatusCode;
  const code = known ? error.code : 'ERR_INTERNAL';
  const message = known ? error.message : 'internal error; the operator can find details in the server log';
  // Name, message and stack only: a library error's `cause` can hold a response body with tokens in it.
  if (!known)
    log.error(
      {
        errorName: (error as Error)?.name,
        errorMessage: (error as Error)?.message,
        stack: (error as Error)?.stack,
        // The route's pattern, not its path: a path may hold a one-time connect token.
        route: routePatternOf(c),
      },
      'unexpected error',
    );
  if (answersJson(c.req.path)) return c.json({ error: { code, message } }, status);
  return c.html(renderErrorPage({ title: titleFor(code), message }), status);
}

/** Machine clients' paths: the API (but its OAuth callback, which a browser follows), metrics and the spec. */
function answersJson(path: string): boolean {
  if (path === '/metrics' || path === '/openapi.json') return true;
  return path.startsWith('/api/') && !path.startsWith('/api/auth/');
}

function titleFor(code: string): string {
  if (code === 'ERR_AUTHORIZATION_DENIED') return 'The connection was not approved';
  if (code === 'ERR_NOT_FOUND') return 'Not found';
  if (code === 'ERR_FORM_EXPIRED') return 'This form has expired';
  if (code === 'ERR_STATE_INVALID' || code === 'ERR_INVALID_INPUT') return 'This sign-in link cannot be used';
  return 'Something went wrong';
}
