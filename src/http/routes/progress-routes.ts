import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { createSyncRunsRepository } from '../../store/sync-runs-repository.ts';
import { renderProgressPage } from '../../web/patient/progress-page.tsx';
import { allowSameOriginScript, checkFormPost, findOwnConnection } from './patient-session.ts';
import { createSyncProgressHub, readSyncEvent, type SyncEvent } from './sync-progress-hub.ts';

/** A run id as openRun makes them (a UUID); anything else in `?after=` is ignored rather than trusted. */
const RUN_ID = /^[0-9a-f-]{36}$/;

/**
 * Live sync progress for the patient: a page, the server-sent events it listens to, and "Update now", which
 * queues a sync for a worker. Only the browser that owns the connection can watch or ask; events carry counts and
 * plain messages, never data.
 */
export function createProgressRoutes(services: Services): Hono {
  const routes = new Hono();
  const hub = createSyncProgressHub(services);
  const runs = createSyncRunsRepository(services.store.db);
  routes.use('/my/connections/:id/progress', allowSameOriginScript());
  routes.get('/my/connections/:id/progress', async (c) => {
    const row = await findOwnConnection(c, services);
    const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
    const after = readAfter(c);
    const eventsHref = `/my/connections/${encodeURIComponent(row.id)}/events${after ? `?after=${after}` : ''}`;
    const now = await readSyncEvent(services, row.id, after);
    return c.html(renderProgressPage({ hospital: endpoint?.name ?? 'your hospital', eventsHref, now }));
  });
  routes.post('/my/connections/:id/sync', async (c) => {
    await checkFormPost(c, services.config.publicUrl);
    const row = await findOwnConnection(c, services);
    if (row.status !== 'active')
      throw new ChartbridgeError('ERR_CONNECTION_INACTIVE', 'this hospital needs you to connect again first');
    const [latest] = await runs.listRuns(row.id, 1);
    await services.jobs.send('sync', { connectionId: row.id });
    const progress = `/my/connections/${encodeURIComponent(row.id)}/progress`;
    return c.redirect(latest ? `${progress}?after=${latest.id}` : progress, 303);
  });
  routes.get('/my/connections/:id/events', async (c) => {
    const row = await findOwnConnection(c, services);
    const after = readAfter(c);
    return streamSSE(c, async (sse) => {
      // Writes are chained so the final event is flushed before the stream closes.
      let written = Promise.resolve();
      let stop = () => {};
      await new Promise<void>((resolve) => {
        stop = hub.watch(
          row.id,
          (event: SyncEvent) => {
            const data = event.type === 'progress' ? event.progress : event;
            written = written.then(() => sse.writeSSE({ event: event.type, data: JSON.stringify(data) }));
            if (event.type === 'done') resolve();
          },
          after,
        );
        sse.onAbort(resolve);
      });
      stop();
      await written;
    });
  });
  return routes;
}

function readAfter(c: Context): string | undefined {
  const after = c.req.query('after');
  return after !== undefined && RUN_ID.test(after) ? after : undefined;
}
