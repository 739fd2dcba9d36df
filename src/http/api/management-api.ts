import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../services.ts';
import { requireApiKey } from '../middleware/api-key.ts';
import { createConnectSessionsRoutes } from '../routes/connect-sessions-routes.ts';
import { createConnectionsRoutes } from '../routes/connections-routes.ts';
import { createDataRoutes } from '../routes/data-routes.ts';
import { createDirectoryRoutes } from '../routes/directory-routes.ts';

export const OPENAPI_PATH = '/openapi.json';

/**
 * The management API (`/api/…`, behind the API key) and its description: each route group declares its routes with zod
 * through @hono/zod-openapi, and mounting the groups here gathers them into one OpenAPI 3.1 document served at
 * `/openapi.json`. A route added to a group without `createRoute` would be missing from the document; a test
 * compares the app's `/api/` routes with the document's paths so that cannot pass unseen.
 */
export function createManagementApi(services: Services): OpenAPIHono {
  const api = new OpenAPIHono();
  // The key, checked once for every /api route, before any route's schemas look at the request. Not on the OAuth
  // redirect URI under /api/auth/ (callback-routes.ts): the patient's browser arrives there, without a key.
  const apiKey = requireApiKey(services.config.apiKey);
  api.use('/api/*', (c, next) => (c.req.path.startsWith('/api/auth/') ? next() : apiKey(c, next)));
  api.route('/', createConnectSessionsRoutes(services));
  api.route('/', createConnectionsRoutes(services));
  api.route('/', createDataRoutes(services));
  api.route('/', createDirectoryRoutes(services));
  api.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer <CHARTBRIDGE_API_KEY>',
  });
  api.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'chartbridge management API',
      // The management API's version (paths and bodies of DESIGN.md), not the package's.
      version: '1',
      description:
        'Connect sessions, connections, copied FHIR data and the endpoint directory. Errors are ' +
        '`{"error": {"code": "ERR_…", "message": "…"}}`; each code has one status (docs/architecture.md).',
    },
    servers: [{ url: services.config.publicUrl }],
    security: [{ apiKey: [] }],
  });
  return api;
}
