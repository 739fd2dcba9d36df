import { ChartbridgeError } from '../errors.ts';
import { describeOrigin } from './base-guard.ts';
import type { FhirLimits } from './fhir-client.ts';
import type { HostLimiter } from './host-limiter.ts';
import { readBodyCapped } from './read-body.ts';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface SendInput {
  url: URL;
  token: string;
  accept: string;
  maxBytes: number;
  what: string;
  /** Orders this request among its run's waiting requests (see priority-limiter.ts). */
  priority?: number;
}

export interface SendDeps {
  limits: FhirLimits;
  limiter: HostLimiter;
  fetch: typeof fetch;
}

/**
 * One attempt on the wire: holds a per-host slot only for its duration, aborts on the header or total
 * timeout, stops reading at the decoded-size cap or when the body stalls. 3xx answers come back unread.
 */
export async function sendOnce(deps: SendDeps, input: SendInput): Promise<RawResponse> {
  const { limits } = deps;
  const release = await deps.limiter.acquire(input.url.host, input.priority);
  const controller = new AbortController();
  let reason = '';
  const abortWith = (why: string) => () => {
    reason = why;
    controller.abort();
  };
  const total = setTimeout(abortWith(`took longer than ${limits.totalTimeoutMs} ms`), limits.totalTimeoutMs);
  const headers = setTimeout(
    abortWith(`sent no headers within ${limits.headersTimeoutMs} ms`),
    limits.headersTimeoutMs,
  );
  try {
    const response = await deps.fetch(input.url, {
      headers: { authorization: `Bearer ${input.token}`, accept: input.accept },
      redirect: 'manual',
      signal: controller.signal,
    });
    clearTimeout(headers);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, headers: response.headers, body: Buffer.alloc(0) };
    }
    const bodyLimits = {
      maxBytes: input.maxBytes,
      idleMs: limits.bodyIdleMs,
      minBytesPerSecond: limits.minBodyBytesPerSecond,
      slowAfterMs: limits.slowBodyAfterMs,
    };
    const body = await readBodyCapped(response, bodyLimits, input.what);
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    throw classifyFailure(error, reason, input);
  } finally {
    clearTimeout(total);
    clearTimeout(headers);
    release();
  }
}

function classifyFailure(error: unknown, reason: string, input: SendInput): unknown {
  if (error instanceof ChartbridgeError) return error;
  const origin = describeOrigin(input.url);
  if (reason)
    return new ChartbridgeError('ERR_TIMEOUT', `${input.what} to '${origin}' ${reason}`, { cause: error });
  return new ChartbridgeError('ERR_FHIR_HTTP', `${input.what} to '${origin}' failed: the connection broke`, {
    cause: error,
  });
}
