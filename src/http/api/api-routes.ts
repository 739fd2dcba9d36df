import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { ChartbridgeError } from '../../errors.ts';

/**
 * A management-API route group: routes declared with `createRoute` land in the OpenAPI document, and a request
 * that fails its zod schemas becomes ERR_INVALID_INPUT (400, `{error: {code, message}}` like every other error)
 * through the app's one error handler instead of zod's own answer.
 */
export function createApiRoutes(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw new ChartbridgeError('ERR_INVALID_INPUT', validationMessage(result.error));
    },
  });
}

/**
 * One line for the first problem. The schemas give their own messages (`'limit' must be …`); a default zod
 * message gets the field's name in front so the caller still knows what to fix.
 */
export function validationMessage(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the request is invalid';
  if (issue.message.startsWith("'")) return issue.message;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'request';
  return `'${field}' is invalid: ${issue.message.toLowerCase()}`;
}
