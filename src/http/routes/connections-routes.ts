import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { toConnectionJson } from '../../connect/connection-view.ts';
import { disconnectConnection } from '../../connect/disconnect.ts';
import { eraseConnection, eraseUser } from '../../connect/erase-connection.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { createApiRoutes } from '../api/api-routes.ts';
import { Connection, ConnectionList, Disconnected, Erased, UserErased } from '../api/connection-schemas.ts';
import {
  booleanQuery,
  ConnectionIdParams,
  errorResponses,
  jsonResponse,
  UserIdParams,
} from '../api/api-schemas.ts';

const listByUser = createRoute({
  method: 'get',
  path: '/api/users/{userId}/connections',
  summary: "A user's connections",
  request: { params: UserIdParams },
  responses: {
    200: jsonResponse(ConnectionList, 'The connections, newest first'),
    ...errorResponses('ERR_INVALID_INPUT'),
  },
});

const show = createRoute({
  method: 'get',
  path: '/api/connections/{id}',
  summary: 'One connection: status and facts, never tokens',
  request: { params: ConnectionIdParams },
  responses: {
    200: jsonResponse(Connection, 'The connection'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const disconnect = createRoute({
  method: 'delete',
  path: '/api/connections/{id}',
  summary: 'Disconnect: revoke at the EHR and delete the tokens; `?erase=true` also deletes the copied data',
  request: {
    params: ConnectionIdParams,
    query: z.object({ erase: booleanQuery('erase').optional() }),
  },
  responses: {
    200: jsonResponse(z.union([Disconnected, Erased]), 'Disconnected (or erased, with counts)'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const eraseUserRoute = createRoute({
  method: 'delete',
  path: '/api/users/{userId}',
  summary: 'Every connection of the user revoked at the EHR and every copied resource erased',
  request: { params: UserIdParams },
  responses: {
    200: jsonResponse(UserErased, 'What was erased, per connection'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

/** The management view of connections: list per user, show, disconnect (revokes at the EHR), erase. */
export function createConnectionsRoutes(services: Services): OpenAPIHono {
  const routes = createApiRoutes();

  routes.openapi(listByUser, async (c) => {
    const rows = await services.repos.connections.listByUser(c.req.valid('param').userId);
    return c.json({ connections: rows.map(toConnectionJson) }, 200);
  });
  routes.openapi(show, async (c) => {
    const { id } = c.req.valid('param');
    const row = await services.repos.connections.findById(id);
    if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${id}' not found`);
    return c.json(toConnectionJson(row), 200);
  });
  routes.openapi(disconnect, async (c) => {
    const { id } = c.req.valid('param');
    if (c.req.valid('query').erase === 'true') return c.json(await eraseConnection(services, id, 'api'), 200);
    return c.json(await disconnectConnection(services, id, 'api'), 200);
  });
  routes.openapi(eraseUserRoute, async (c) =>
    c.json(await eraseUser(services, c.req.valid('param').userId, 'api'), 200),
  );
  return routes;
}
