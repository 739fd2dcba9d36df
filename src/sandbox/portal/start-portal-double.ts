import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { PortalApi } from './api-catalog.ts';
import { createPortalDoubleApp, type PortalDoubleOptions } from './portal-double-app.ts';
import type { PortalState } from './portal-state.ts';

/** The portal double on its own port (tests and the benchmark); the sandbox mounts the same app. */
export interface RunningPortalDouble {
  url: string;
  state: PortalState;
  catalog: PortalApi[];
  close(): Promise<void>;
}

export async function startPortalDouble(
  options: PortalDoubleOptions & { host?: string; port?: number } = {},
): Promise<RunningPortalDouble> {
  const { app, state, catalog } = createPortalDoubleApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () =>
      resolve(started as Server),
    );
    started.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    state,
    catalog,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
