import { ChartbridgeError } from '../errors.ts';

export interface BodyLimits {
  /** Cap on decoded bytes: fetch inflates gzip/br, so counting here also stops compression bombs (C34). */
  maxBytes: number;
  /** Longest gap between two body chunks (B18). */
  idleMs: number;
  /**
   * A body still arriving after `slowAfterMs` must have averaged this many bytes a second, else it is cut: a
   * server that sends one byte a second never trips the idle gap, and would hold the query for the whole
   * total timeout on every retry (issue 14).
   */
  minBytesPerSecond?: number;
  slowAfterMs?: number;
}

const YIELD_EVERY_BYTES = 1024 * 1024;

/**
 * Reads a response body into one Buffer, aborting at the decoded-size cap or when the body stalls. The caller's
 * AbortSignal (total timeout) also ends the read.
 */
export async function readBodyCapped(response: Response, limits: BodyLimits, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(what, limits.maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  const started = performance.now();
  let unyielded = 0;
  try {
    for (;;) {
      const { done, value } = await readWithIdleTimeout(reader, limits.idleMs, what);
      if (done || value === undefined) break;
      total += value.byteLength;
      if (total > limits.maxBytes) throw tooLarge(what, limits.maxBytes);
      checkRate(limits, total, performance.now() - started, what);
      // Chunks already buffered resolve as microtasks and would never let the event loop in: a 45 MB body on
      // loopback held the HTTP server for 300 ms (bench:hostile). Let it in after every MiB.
      if ((unyielded += value.byteLength) >= YIELD_EVERY_BYTES) {
        unyielded = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks, total);
}

function checkRate(limits: BodyLimits, total: number, elapsedMs: number, what: string): void {
  const { minBytesPerSecond, slowAfterMs } = limits;
  if (minBytesPerSecond === undefined || slowAfterMs === undefined || elapsedMs < slowAfterMs) return;
  if ((total * 1000) / elapsedMs >= minBytesPerSecond) return;
  throw new ChartbridgeError(
    'ERR_TOO_SLOW',
    `${what} arrived slower than ${minBytesPerSecond} bytes a second; it was cut off and skipped`,
  );
}

function readWithIdleTimeout(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
  idleMs: number,
  what: string,
): Promise<{ done: boolean; value?: Uint8Array }> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChartbridgeError('ERR_TIMEOUT', `${what} stalled: no body bytes for ${idleMs} ms`)),
      idleMs,
    );
  });
  return Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
}

function tooLarge(what: string, maxBytes: number): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_SIZE_LIMIT',
    `${what} exceeds the size cap of ${maxBytes} bytes (decoded); the rest of the sync continues without it`,
  );
}
