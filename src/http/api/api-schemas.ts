import { z } from '@hono/zod-openapi';
import { ERROR_STATUS, type ChartbridgeErrorCode } from '../../errors.ts';
import { SAFE_ID_CHARACTERS, SAFE_ID_PATTERN } from '../../store/safe-ids.ts';

/** An id in a path; `label` is how the error message names it (`'connection id' must be …`). */
export function idSchema(label: string) {
  return z
    .string({ error: `'${label}' must be 1-128 characters of ${SAFE_ID_CHARACTERS}` })
    .regex(SAFE_ID_PATTERN)
    .openapi({ example: 'con_3f9a1c2e7b', description: `1-128 ${SAFE_ID_CHARACTERS}` });
}

export const ConnectionIdParams = z.object({
  id: idSchema('connection id').openapi({ param: { name: 'id', in: 'path' } }),
});

export const UserIdParams = z.object({
  userId: idSchema('userId').openapi({ param: { name: 'userId', in: 'path' }, example: 'user-42' }),
});

/** A query flag that must read exactly `true` or `false`. */
export function booleanQuery(name: string) {
  return z.enum(['true', 'false'], { error: `'${name}' must be true or false` });
}

/** A query value given once; a repeated one (`?q=a&q=b`) arrives as an array and is refused by name. */
export function singleQuery(name: string) {
  return z.string({
    error: (issue) => (Array.isArray(issue.input) ? `'${name}' must be given once` : undefined),
  });
}

/** A 2xx answer with a JSON body. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'ERR_INVALID_INPUT' }),
      message: z.string().openapi({ example: "'limit' must be a whole number from 1 to 50" }),
    }),
  })
  .openapi('Error');

const ERROR_DESCRIPTIONS: Partial<Record<ChartbridgeErrorCode, string>> = {
  ERR_INVALID_INPUT: 'A parameter, query value or body field is invalid; the message names it.',
  ERR_UNAUTHORIZED: 'Missing or wrong API key.',
  ERR_RATE_LIMITED:
    'Too many wrong API keys from this address: wait for the Retry-After seconds (the key is not checked until then).',
  ERR_NOT_FOUND: 'No such connection, user or binary.',
  ERR_CONNECTION_INACTIVE: 'The connection is not active; the patient must connect again.',
};

/**
 * The error answers a route can give, each with the status `ERROR_STATUS` assigns to its code; every /api route
 * can answer 401 (the key) and 429 (the wrong-key lockout in front of it).
 */
export function errorResponses(...codes: ChartbridgeErrorCode[]) {
  const responses: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }
  > = {};
  for (const code of ['ERR_UNAUTHORIZED', 'ERR_RATE_LIMITED', ...codes] as ChartbridgeErrorCode[]) {
    const status = ERROR_STATUS[code];
    const description = `${code}: ${ERROR_DESCRIPTIONS[code] ?? ''}`.trim();
    const previous = responses[status];
    responses[status] = {
      description: previous ? `${previous.description} ${description}` : description,
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return responses;
}
