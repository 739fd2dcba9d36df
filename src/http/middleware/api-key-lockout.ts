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
 * a guesser when a guess is right. Requests with a right key never count, and other addresses are unaffected.
 * One per app, in front of every `requireApiKey`; counts live in this process only.
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
    const entry = current(address, now);
    if (entry && entry.count >= options.maxFailures && c.req.header('authorization') !== undefined) {
      c.header('Retry-After', String(Math.max(1, Math.ceil((entry.since + options.windowMs - now) / 1000))));
      throw new ChartbridgeError(
        'ERR_RATE_LIMITED',
        'too many wrong api keys from this address; wait for Retry-After seconds, then send the right key',
      );
    }
    await next();
    // requireApiKey's refusal: a 401 carrying its WWW-Authenticate challenge.
    if (c.res.status !== 401 || !c.res.headers.has('www-authenticate')) return;
    if (failures.size >= MAX_ADDRESSES) {
      for (const [key, value] of failures) if (now - value.since >= options.windowMs) failures.delete(key);
    }
    if (entry) entry.count += 1;
    else if (failures.size < MAX_ADDRESSES) failures.set(address, { count: 1, since: now });
  };
}
