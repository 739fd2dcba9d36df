import type { MiddlewareHandler } from 'hono';
import { ChartbridgeError } from '../../errors.ts';

const MAX_BODY_CHARS = 16_384;
/** The content types hono's json validator reads (its own pattern, without `+json` variants). */
const JSON_CONTENT_TYPE = /^application\/json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Before a route's zod body schema: the body must be a small JSON object sent as application/json. Without this
 * gate @hono/zod-openapi would answer a form body with its own 415 and bad JSON with a bare 400 outside the
 * `{error: {code, message}}` shape. Hono caches the text read here, so the validator parses it again for free.
 */
export const jsonObjectBody: MiddlewareHandler = async (c, next) => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'send a json body with Content-Type: application/json');
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS)
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'the request body is larger than 16 KiB');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'the request body must be a json object');
  await next();
};
