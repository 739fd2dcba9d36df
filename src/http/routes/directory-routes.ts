import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { MAX_LIMIT, MAX_QUERY_LENGTH } from '../../directory/directory-search.ts';
import type { Services } from '../../services.ts';
import { createApiRoutes } from '../api/api-routes.ts';
import { errorResponses, jsonResponse, singleQuery } from '../api/api-schemas.ts';

const LIMIT_MESSAGE = `'limit' must be a whole number from 1 to ${MAX_LIMIT}`;

const DirectoryQuery = z.object({
  q: singleQuery('q')
    .max(MAX_QUERY_LENGTH, { error: `'q' must be at most ${MAX_QUERY_LENGTH} characters` })
    .optional()
    .openapi({
      description: 'Words of a hospital, clinic or brand name and its city',
      example: 'summit madison',
    }),
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .optional()
    .openapi({ default: 10 }),
});

const DirectoryResult = z
  .object({
    organizationId: z.string().openapi({ description: 'What `POST /api/connect-sessions` + `&org=` takes' }),
    name: z.string(),
    kind: z.string().openapi({ description: 'brand | facility | …' }),
    city: z.string().nullable(),
    state: z.string().nullable(),
    brand: z.object({ id: z.string(), name: z.string() }).nullable(),
    endpointId: z.string(),
    fhirBase: z.string(),
    vendor: z.string(),
    logoUrl: z.string().nullable(),
    portal: z.object({
      name: z.string().nullable(),
      url: z.string().nullable(),
      orgId: z.string().nullable(),
    }),
    score: z.number(),
  })
  .openapi('DirectoryResult');

const search = createRoute({
  method: 'get',
  path: '/api/directory',
  summary: "Directory search for the app operator's own hospital picker",
  request: { query: DirectoryQuery },
  responses: {
    200: jsonResponse(
      z.object({ query: z.string(), results: z.array(DirectoryResult) }),
      'Ranked results; every word must match',
    ),
    ...errorResponses('ERR_INVALID_INPUT'),
  },
});

/**
 * `GET /api/directory?q=&limit=` — directory search for the app operator's own picker. Results carry
 * what a picker shows and what `POST /api/connect-sessions` + `&org=` needs: the organisation id.
 */
export function createDirectoryRoutes(services: Pick<Services, 'directory'>): OpenAPIHono {
  const routes = createApiRoutes();
  routes.openapi(search, async (c) => {
    const { q = '', limit = 10 } = c.req.valid('query');
    const results = await services.directory.search(q, { limit });
    c.header('Cache-Control', 'no-store');
    return c.json({ query: q, results }, 200);
  });
  return routes;
}
