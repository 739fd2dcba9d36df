import { Hono } from 'hono';
import { toConnectionJson } from '../../connect/connection-view.ts';
import { disconnectConnection } from '../../connect/disconnect.ts';
import { eraseConnection, eraseUser } from '../../connect/erase-connection.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { requireApiKey } from '../middleware/api-key.ts';

const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The management view of connections: list per user, show, disconnect (revokes at the EHR), erase. API key. */
export function createConnectionsRoutes(services: Services): Hono {
  const routes = new Hono();
  const apiKey = requireApiKey(services.config.apiKey);
  routes.use('/api/users/*', apiKey);
  routes.use('/api/connections/*', apiKey);

  routes.get('/api/users/:userId/connections', async (c) => {
    const userId = checkId(c.req.param('userId'), 'userId');
    const rows = await services.repos.connections.listByUser(userId);
    return c.json({ connections: rows.map(toConnectionJson) });
  });
  routes.get('/api/connections/:id', async (c) => {
    const row = await services.repos.connections.findById(checkId(c.req.param('id'), 'connection id'));
    if (!row)
      throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${c.req.param('id')}' not found`, {
        status: 404,
      });
    return c.json(toConnectionJson(row));
  });
  routes.delete('/api/connections/:id', async (c) => {
    const id = checkId(c.req.param('id'), 'connection id');
    const erase = c.req.query('erase');
    if (erase !== undefined && erase !== 'true' && erase !== 'false')
      throw new ChartbridgeError('ERR_INVALID_INPUT', "'erase' must be 'true' or 'false'");
    if (erase === 'true') return c.json(await eraseConnection(services, id, 'api'));
    return c.json(await disconnectConnection(services, id, 'api'));
  });
  // Every connection of the user: revoked at the EHR (through the outbox) and every copied resource erased.
  routes.delete('/api/users/:userId', async (c) => {
    return c.json(await eraseUser(services, checkId(c.req.param('userId'), 'userId'), 'api'));
  });
  return routes;
}

function checkId(value: string, name: string): string {
  if (!ID_PATTERN.test(value))
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `'${name}' must be 1-128 characters of letters, digits and . _ : @ -`,
    );
  return value;
}
