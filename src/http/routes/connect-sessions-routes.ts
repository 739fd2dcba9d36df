import { Hono } from 'hono';
import { createConnectSession } from '../../connect/connect-sessions.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { requireApiKey } from '../middleware/api-key.ts';

/** `POST /api/connect-sessions {userId, returnUrl?}` → `{id, url, expiresAt}` (API key). */
export function createConnectSessionsRoutes(services: Services): Hono {
  const routes = new Hono();
  routes.use('/api/connect-sessions', requireApiKey(services.config.apiKey));
  routes.post('/api/connect-sessions', async (c) => {
    const body = await readJsonBody(c.req.raw);
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

/** A small JSON object body, or a 400 that says what is wrong. */
export async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  if (!(request.headers.get('content-type') ?? '').includes('application/json')) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'send a json body with Content-Type: application/json');
  }
  const text = await request.text();
  if (text.length > 16_384)
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'the request body is larger than 16 KiB');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ChartbridgeError('ERR_INVALID_INPUT', 'the request body must be a json object');
}
