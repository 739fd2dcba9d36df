import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { createConnectSession } from '../../connect/connect-sessions.ts';
import type { Services } from '../../services.ts';
import { createApiRoutes } from '../api/api-routes.ts';
import { errorResponses, idSchema } from '../api/api-schemas.ts';
import { jsonObjectBody } from '../api/json-body-gate.ts';

const ConnectSessionRequest = z
  .object({
    userId: idSchema('userId').openapi({ example: 'user-42' }),
    returnUrl: z.string({ error: "'returnUrl' must be a string" }).nullable().optional().openapi({
      description:
        "Where the patient's browser goes afterwards: chartbridge's own origin or CHARTBRIDGE_APP_ORIGINS",
      example: 'https://app.example.com/connected',
    }),
  })
  .openapi('ConnectSessionRequest');

const ConnectSession = z
  .object({
    id: z.string().openapi({ example: 'cs_0123456789abcdef0123456789abcdef' }),
    url: z
      .string()
      .openapi({ description: 'One-time URL; append `?org=<organizationId>` to skip the picker' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ConnectSession');

const createSession = createRoute({
  method: 'post',
  path: '/api/connect-sessions',
  summary: "A one-time URL the app sends its patient's browser to",
  middleware: [jsonObjectBody] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: ConnectSessionRequest } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: ConnectSession } } },
    ...errorResponses('ERR_INVALID_INPUT'),
  },
});

/** `POST /api/connect-sessions {userId, returnUrl?}` → `{id, url, expiresAt}`. */
export function createConnectSessionsRoutes(services: Services): OpenAPIHono {
  const routes = createApiRoutes();
  routes.openapi(createSession, async (c) => {
    const body = c.req.valid('json');
    const session = await createConnectSession(
      {
        repos: services.repos,
        clock: services.clock,
        publicUrl: services.config.publicUrl,
        appOrigins: services.config.appOrigins,
      },
      { userId: body.userId, returnUrl: body.returnUrl },
    );
    return c.json(session, 201);
  });
  return routes;
}
