import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import type { Services } from '../../services.ts';
import { readCookie, writeCookie } from '../browser-cookies.ts';
import { isSafeId } from '../../store/safe-ids.ts';

/** The cookies the home page's browser flow already uses (home-routes.ts): the same names, the same meaning. */
export const USER_COOKIE = 'cb_user';
export const CSRF_COOKIE = 'cb_csrf';

/**
 * Pages that load our one same-origin script (live search, sync progress): scripts and fetch/EventSource only
 * from our own origin, still no inline script or style and nothing from another host (case 35).
 */
export const SCRIPT_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function allowSameOriginScript(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html'))
      c.res.headers.set('Content-Security-Policy', SCRIPT_PAGE_POLICY);
  };
}

/**
 * The browser's own user id, derived exactly as the home page's connect button derives it, so the record and
 * status pages show only this browser's connections; undefined when the browser never connected.
 */
export function readBrowserUserId(c: Context): string | undefined {
  const secret = readCookie(c, USER_COOKIE);
  return secret ? `browser-${hashSecret(secret).slice(0, 24)}` : undefined;
}

/** The double-submit token for this browser's forms, set on first use. */
export function ensureCsrfToken(c: Context, publicUrl: string): string {
  const existing = readCookie(c, CSRF_COOKIE);
  if (existing) return existing;
  const token = createRandomToken();
  writeCookie(c, CSRF_COOKIE, token, publicUrl);
  return token;
}

/** A POST from our own pages: the form's token equals the cookie's, and the Origin (when sent) is ours (case 29). */
export async function checkFormPost(c: Context, publicUrl: string): Promise<Record<string, unknown>> {
  const form = await c.req.parseBody();
  const cookie = readCookie(c, CSRF_COOKIE);
  const token = typeof form.csrf === 'string' ? form.csrf : '';
  const same =
    cookie !== undefined && timingSafeEqual(Buffer.from(hashSecret(cookie)), Buffer.from(hashSecret(token)));
  if (!same || !isSameOriginPost(c, publicUrl)) {
    throw new ChartbridgeError('ERR_FORM_EXPIRED', 'this form has expired; reload the page and try again');
  }
  return form;
}

/**
 * Our own form posts: `Sec-Fetch-Site` (when the browser sends it) says same-origin, and `Origin` is ours or
 * `null` — under our `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even for same-origin forms.
 */
export function isSameOriginPost(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return !origin || origin === 'null' || origin === new URL(publicUrl).origin;
}

/** The browser's own connection, or a 404 that says nothing about whether the id exists for someone else. */
export async function findOwnConnection(c: Context, services: Services): Promise<ConnectionRow> {
  const userId = readBrowserUserId(c);
  const id = c.req.param('id') ?? '';
  const row = isSafeId(id) ? await services.repos.connections.findById(id) : undefined;
  if (!userId || !row || row.user_id !== userId) {
    throw new ChartbridgeError(
      'ERR_NOT_FOUND',
      'no such connection in this browser; start from the home page',
    );
  }
  return row;
}
