import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { ChartbridgeError } from '../errors.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0 = OS-chosen) and resolves once the socket is bound; `flag` names the port's setting. */
export function startHttpServer(
  app: Hono,
  options: { host: string; port: number; flag?: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as Server).closeAllConnections();
          }),
      });
    }) as Server;
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(describeListenError(error, options));
    });
  });
}

/** A busy or forbidden port is a configuration problem with one clear line, not a stack trace. */
export function describeListenError(
  error: NodeJS.ErrnoException,
  options: { host: string; port: number; flag?: string },
): Error {
  const where = `${options.host}:${options.port}`;
  if (error.code === 'EADDRINUSE') {
    return new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `port ${options.port} is already in use on ${options.host}; pick another with ${options.flag ?? '--port or PORT'}`,
      { cause: error },
    );
  }
  if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
    return new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `cannot listen on ${where} (${error.code}); check HOST and PORT`,
      { cause: error },
    );
  }
  return error;
}
