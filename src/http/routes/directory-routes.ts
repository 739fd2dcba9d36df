import { Hono } from 'hono';
import { ChartbridgeError } from '../../errors.ts';
import { MAX_LIMIT, MAX_QUERY_LENGTH } from '../../directory/directory-search.ts';
import type { Services } from '../../services.ts';
import { requireApiKey } from '../middleware/api-key.ts';

/**
 * `GET /api/directory?q=&limit=` — directory search for the app operator's own picker (API key). Results carry
 * what a picker shows and what `POST /api/connect-sessions` + `&org=` needs: the organisation id.
 */
export function createDirectoryRoutes(services: Pick<Services, 'config' | 'directory'>): Hono {
  const routes = new Hono();
  routes.use('/api/directory', requireApiKey(services.config.apiKey));
  routes.get('/api/directory', async (c) => {
    const queries = c.req.queries();
    for (const [name, values] of Object.entries(queries)) {
      if (values.length > 1) throw invalid(`'${name}' must be given once`);
    }
    const q = c.req.query('q') ?? '';
    if (q.length > MAX_QUERY_LENGTH) throw invalid(`'q' must be at most ${MAX_QUERY_LENGTH} characters`);
    const limitText = c.req.query('limit') ?? '10';
    if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      throw invalid(`'limit' must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    const results = await services.directory.search(q, { limit: Number(limitText) });
    c.header('Cache-Control', 'no-store');
    return c.json({ query: q, results });
  });
  return routes;
}

function invalid(message: string): ChartbridgeError {
  return new ChartbridgeError('ERR_INVALID_INPUT', message, { status: 400 });
}
