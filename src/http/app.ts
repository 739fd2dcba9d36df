import { Hono } from 'hono';
import type { Services } from '../services.ts';

/**
 * The HTTP application: each route group lives in its own file under http/routes and is mounted here.
 * Building it needs only the services object, so tests create the whole app in one line.
 */
export function createHttpApp(services: Services): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    await services.store.db.selectFrom('users').select('id').limit(1).execute();
    return c.json({ status: 'ready' });
  });
  return app;
}
