import type { MiddlewareHandler } from 'hono';

/**
 * Strict headers on every response (cases 35, 38): no scripts, no inline styles, no framing, no referrer (so a
 * callback URL's code never leaks through Referer), and nothing cached.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** One year; no `includeSubDomains`: other hosts under the operator's domain are not ours to pin to https. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/**
 * `https`: the public URL is https, so browsers are told to use nothing else (HSTS). Never on plain http, where
 * browsers ignore it anyway and a demo on localhost must not pin the name.
 */
export function securityHeaders(options: { https?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (options.https) c.header('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    // A route may tighten or (for our own same-origin script) extend the policy; it never goes unset.
    if (!c.res.headers.has('Content-Security-Policy'))
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}
