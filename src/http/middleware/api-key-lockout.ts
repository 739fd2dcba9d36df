import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../clock.ts';
import { ChartbridgeError } from '../../errors.ts';
import { readClientAddress } from '../request-window-limiter.ts';

interface Failures {
  count: number;
  /** The first failure of the current window. */
  since: number;
}

/** Addresses remembered at most; past this, expired entries are dropped first (memory stays bounded). */
const MAX_ADDRESSES = 10_000;

/**
 * Wrong API keys are rate-limited per client address (issue 14, point 8): after `maxFailures` 401s from one
 * address within `windowMs` of its first failure, every request from it that carries an `Authorization` header is
 * answered 429 with Retry-After until the window ends — without comparing the key, or the limit would still tell
 * a guesser when a guess is right. Requests with a right key, or with no `Authorization` header at all, never
 * count, and other addresses are unaffected. One per app, in front of every `requireApiKey` (`/api/*` and the main
 * port's `/metrics`); counts live in this process only.
 */
export function limitFailedApiKeys(options: {
  clock: Clock;
  maxFailures: number;
  windowMs: number;
}): MiddlewareHandler {
  const failures = new Map<string, Failures>();
  const current = (address: string, now: number): Failures | undefined => {
    const entry = failures.get(address);
    if (entry && now - entry.since >= options.windowMs) {
      failures.delete(address);
      return undefined;
    }
    return entry;
  };
  return async (c, next) => {
    const address = readClientAddress(c);
    const now = options.clock.now();
    const keyed = c.req.header('authorization') !== undefined;
    const entry = current(address, now);
    if (entry && entry.count >= options.maxFailures && keyed) {
      c.header('Retry-After', String(Math.max(1, Math.ceil((entry.since + options.windowMs - now) / 1000))));
      throw new ChartbridgeError(
        'ERR_RATE_LIMITED',
        'too many wrong api keys from this address; wait for Retry-After seconds, then send the right key',
      );
    }
    await next();
    // requireApiKey's refusal (a 401 carrying its WWW-Authenticate challenge) to a request that sent a key: one
    // without any is no guess, and counting those would lock out every client behind a shared proxy address.
    if (!keyed || c.res.status !== 401 || !c.res.headers.has('www-authenticate')) return;
    // Read again: failures answered while this request was in `next()` changed the map (or aged the entry out).
    const after = options.clock.now();
    const latest = current(address, after);
    if (latest) {
      latest.count += 1;
      return;
    }
    if (failures.size >= MAX_ADDRESSES) {
      for (const [key, value] of failures) if (after - value.since >= options.windowMs) failures.delete(key);
    }
    if (failures.size < MAX_ADDRESSES) failures.set(address, { count: 1, since: after });
  };
}
