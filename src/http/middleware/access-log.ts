import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { LogContext } from '../../log/log-context.ts';
import type { Logger } from '../../log/logger.ts';
import { UNMATCHED_ROUTE, type Metrics } from '../../metrics/metrics.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's request id is kept only when it is short and plain: it goes into every log line of the request. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's `X-Request-Id` when it is sane (8–128 of `A-Z a-z 0-9 . _ : -`), else a fresh UUID. */
export function requestIdFor(header: string | undefined): string {
  return header !== undefined && ACCEPTED_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * The pattern of the route the request was for (`/api/connections/:id`), never its path: paths hold ids and
 * one-time connect tokens, which belong neither in metric labels nor in the access log. The route that
 * answered, or (when a middleware answered, say a 401 from the API key) the route the request was heading for;
 * `unmatched` when no route matched (404).
 */
export function routePatternOf(c: Context): string {
  const routes = matchedRoutes(c);
  const isRoute = (route: { method: string } | undefined) => route !== undefined && route.method !== 'ALL';
  const answered = routes[c.req.routeIndex];
  if (isRoute(answered)) return answered!.path;
  return routes.filter(isRoute).at(-1)?.path ?? UNMATCHED_ROUTE;
}

/**
 * One access log line per request (method, route pattern, status, duration, request id: no path, no query
 * string, so no token or id a query may carry) and its duration in `chartbridge_http_request_duration_seconds`.
 * The request id (the caller's `X-Request-Id` if sane, else a new one) is echoed in the response and, through the
 * log context, added to every log line written while the request runs, whichever module writes it.
 */
export function accessLog(deps: {
  log: Logger;
  logContext: LogContext;
  metrics: Pick<Metrics, 'observeRequest'>;
}): MiddlewareHandler {
  return (c, next) => {
    const requestId = requestIdFor(c.req.header(REQUEST_ID_HEADER));
    return deps.logContext.run({ requestId }, async () => {
      const started = performance.now();
      await next();
      const seconds = (performance.now() - started) / 1000;
      c.header(REQUEST_ID_HEADER, requestId);
      const entry = { method: c.req.method, route: routePatternOf(c), status: c.res.status };
      deps.metrics.observeRequest({ ...entry, seconds });
      deps.log.info({ ...entry, durationMs: Math.round(seconds * 10_000) / 10 }, 'request');
    });
  };
}
