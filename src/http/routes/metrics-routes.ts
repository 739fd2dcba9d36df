import { Hono } from 'hono';
import type { Metrics } from '../../metrics/metrics.ts';
import { requireApiKey } from '../middleware/api-key.ts';

/**
 * `GET /metrics` in Prometheus's text format. Behind the API key on the main port; without it on
 * CHARTBRIDGE_METRICS_PORT (`apiKey: false`), a port the operator keeps off the internet.
 */
export function createMetricsRoutes(deps: { metrics: Metrics; apiKey: string | undefined | false }): Hono {
  const routes = new Hono();
  if (deps.apiKey !== false) routes.use('/metrics', requireApiKey(deps.apiKey));
  routes.get('/metrics', async (c) => {
    const { registry } = deps.metrics;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return routes;
}
