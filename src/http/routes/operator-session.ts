import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Clock } from '../../clock.ts';

const COOKIE = 'cb_operator';
const SESSION_MS = 8 * 60 * 60 * 1000;

/**
 * The operator's browser session: signing in with the API key sets an HttpOnly, SameSite=Strict cookie holding
 * an expiry and an HMAC of it keyed by the API key — nothing stored server-side, and rotating the API key signs
 * every operator out. The key itself never goes into the cookie.
 */
export interface OperatorSessions {
  checkKey(candidate: string): boolean;
  start(c: Context): void;
  end(c: Context): void;
  isSignedIn(c: Context): boolean;
  require(): MiddlewareHandler;
}

export function createOperatorSessions(deps: {
  apiKey: string | undefined;
  clock: Clock;
  publicUrl: string;
}) {
  const secret = deps.apiKey
    ? createHash('sha256').update(`operator-session:${deps.apiKey}`).digest()
    : undefined;
  const sign = (expires: string) => createHmac('sha256', secret!).update(expires).digest('base64url');
  const sessions: OperatorSessions = {
    checkKey(candidate) {
      if (!deps.apiKey || candidate.length === 0 || candidate.length > 512) return false;
      const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
      return timingSafeEqual(digest(candidate), digest(deps.apiKey));
    },
    start(c) {
      const expires = String(deps.clock.now() + SESSION_MS);
      setCookie(c, COOKIE, `${expires}.${sign(expires)}`, {
        path: '/operator',
        httpOnly: true,
        sameSite: 'Strict',
        secure: deps.publicUrl.startsWith('https:'),
        maxAge: SESSION_MS / 1000,
      });
    },
    end(c) {
      deleteCookie(c, COOKIE, { path: '/operator' });
    },
    isSignedIn(c) {
      const value = getCookie(c, COOKIE) ?? '';
      const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!secret || !match || Number(match[1]) <= deps.clock.now()) return false;
      return timingSafeEqual(Buffer.from(sign(match[1]!)), Buffer.from(match[2]!));
    },
    require() {
      return async (c, next) => {
        if (!sessions.isSignedIn(c)) return c.redirect('/operator/login', 303);
        await next();
      };
    },
  };
  return sessions;
}
