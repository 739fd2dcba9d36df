import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ChartbridgeError } from '../../errors.ts';

/**
 * `Authorization: Bearer <api key>` for the management API (case 40). Both sides are hashed first so the
 * comparison is constant-time regardless of length; no key configured means nothing is accepted.
 */
export function requireApiKey(apiKey: string | undefined): MiddlewareHandler {
  const expected = apiKey ? digest(apiKey) : undefined;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    const ok = expected !== undefined && match !== null && timingSafeEqual(digest(match[1]!), expected);
    if (!ok) {
      c.header('WWW-Authenticate', 'Bearer realm="chartbridge"');
      throw new ChartbridgeError(
        'ERR_UNAUTHORIZED',
        'missing or wrong api key: send Authorization: Bearer <CHARTBRIDGE_API_KEY>',
      );
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
