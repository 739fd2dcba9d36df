import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StepTarget {
  url: string;
  /** Requests in flight right now and the highest number seen at once. */
  current(): number;
  peak(): number;
  requests(): number;
  close(): Promise<void>;
}

/** A tiny HTTP server standing in for one EHR host: answers after `delayMs` and records its peak concurrency. */
export async function startStepTarget(delayMs: number): Promise<StepTarget> {
  let current = 0;
  let peak = 0;
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    current += 1;
    requests += 1;
    peak = Math.max(peak, current);
    setTimeout(() => {
      current -= 1;
      res.end('ok');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    current: () => current,
    peak: () => peak,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
