import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';

/**
 * A fixed-window request cap per client address for public, unauthenticated routes (the hospital search that
 * runs as the patient types). Counts live in this process only; the window map is dropped every window.
 */
export function limitRequestsPerWindow(options: {
  clock: Clock;
  max: number;
  windowMs: number;
}): MiddlewareHandler {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return async (c, next) => {
    const now = options.clock.now();
    if (now - windowStart >= options.windowMs) {
      windowStart = now;
      counts = new Map();
    }
    const key = readClientAddress(c);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > options.max) {
      c.header('Retry-After', String(Math.ceil((windowStart + options.windowMs - now) / 1000)));
      throw new ChartbridgeError('ERR_RATE_LIMITED', 'too many searches; wait a few seconds and try again');
    }
    await next();
  };
}

/** The peer address of the connection (no proxy header is trusted: a client could set it). */
export function readClientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
