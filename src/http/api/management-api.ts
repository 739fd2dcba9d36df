import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../services.ts';
import { createConnectSessionsRoutes } from '../routes/connect-sessions-routes.ts';
import { createConnectionsRoutes } from '../routes/connections-routes.ts';
import { createDataRoutes } from '../routes/data-routes.ts';
import { createDirectoryRoutes } from '../routes/directory-routes.ts';

export const OPENAPI_PATH = '/openapi.json';

/**
 * The management API (`/api/…`, API key) and its description: each route group declares its routes with zod
 * through @hono/zod-openapi, and mounting the groups here gathers them into one OpenAPI 3.1 document served at
 * `/openapi.json`. A route added to a group without `createRoute` would be missing from the document; a test
 * compares the app's `/api/` routes with the document's paths so that cannot pass unseen.
 */
export function createManagementApi(services: Services): OpenAPIHono {
  const api = new OpenAPIHono();
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
