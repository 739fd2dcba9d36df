import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Services } from '../../services.ts';
import { renderProgressPage } from '../../web/patient/progress-page.tsx';
import { allowSameOriginScript, findOwnConnection } from './patient-session.ts';
import { createSyncProgressHub, type SyncEvent } from './sync-progress-hub.ts';

/**
 * Live sync progress for the patient: a page, and the server-sent events it listens to. Only the browser that
 * owns the connection can watch (or start) its sync; events carry counts and plain messages, never data.
 */
export function createProgressRoutes(services: Services): Hono {
  const routes = new Hono();
  const hub = createSyncProgressHub(services);
  routes.use('/my/connections/:id/progress', allowSameOriginScript());
  routes.get('/my/connections/:id/progress', async (c) => {
    const row = await findOwnConnection(c, services);
    const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
    const eventsHref = `/my/connections/${encodeURIComponent(row.id)}/events`;
    return c.html(renderProgressPage({ hospital: endpoint?.name ?? 'your hospital', eventsHref }));
  });
  routes.get('/my/connections/:id/events', async (c) => {
    const row = await findOwnConnection(c, services);
    return streamSSE(c, async (sse) => {
      // Writes are chained so the final event is flushed before the stream closes.
      let written = Promise.resolve();
      let stop = () => {};
      await new Promise<void>((resolve) => {
        stop = hub.watch(row.id, (event: SyncEvent) => {
          const data = event.type === 'progress' ? event.progress : event;
          written = written.then(() => sse.writeSSE({ event: event.type, data: JSON.stringify(data) }));
          if (event.type === 'done') resolve();
        });
        sse.onAbort(resolve);
      });
      stop();
      await written;
    });
  });
  return routes;
}
