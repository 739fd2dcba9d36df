import type { Context, MiddlewareHandler } from 'hono';

/**
 * What the sandbox records about one request. Tests and benchmarks read it to prove behaviour (for example that
 * no bearer token was ever sent to a foreign origin), so it holds whether a bearer was sent — never its value —
 * and the URL with secret-looking query parameters redacted.
 */
export interface RequestLogEntry {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  /** The Host header the client sent (per-host concurrency is counted on it). */
  host: string;
  /** Path and query string, with `access_token`, `code`, `client_assertion`… values replaced by `REDACTED`. */
  url: string;
  /** First path segment when it names an organisation (`/{orgId}/api/FHIR/R4/…`, `/{orgId}/oauth2/…`). */
  orgId?: string;
  /** Whether an `Authorization: Bearer …` header was present. */
  bearer: boolean;
  status: number;
  /** Response body bytes actually produced (counted while streaming). */
  bytes: number;
  durationMs: number;
}

export interface RequestCounters {
  requests: number;
  /** Search result pages (Bundles of type searchset) served. */
  pages: number;
  /** Resources served: search matches and includes plus single reads. */
  resources: number;
  bytes: number;
}

export interface RequestLog {
  middleware: MiddlewareHandler;
  entries(): RequestLogEntry[];
  clear(): void;
  counters(): RequestCounters;
  /** Highest number of requests that were in flight at once (for one Host, or over all hosts). */
  peakConcurrency(host?: string): number;
}

/** Context variables the FHIR server sets so the log can count pages and resources without parsing bodies. */
export const servedPageKey = 'sandboxServedPage';
export const servedResourcesKey = 'sandboxServedResources';

const secretParams =
  /^(access_token|code|code_verifier|client_assertion|refresh_token|id_token|password|state)$/i;

/** Path and query with secret-looking parameter values replaced, so the log itself never holds a credential. */
export function redactUrl(url: URL): string {
  let query = '';
  if (url.search) {
    const parts = url.search
      .slice(1)
      .split('&')
      .map((part) => {
        const name = decodeURIComponent(part.split('=')[0] ?? '');
        return secretParams.test(name) ? `${name}=REDACTED` : part;
      });
    query = `?${parts.join('&')}`;
  }
  return url.pathname + query;
}

/** The first path segment, when it looks like an organisation id rather than a top-level route. */
function readOrgId(pathname: string): string | undefined {
  const segment = pathname.split('/')[1];
  if (!segment || segment.startsWith('.') || segment === 'healthz') return undefined;
  return decodeURIComponent(segment);
}

export function createRequestLog(opts: { now?: () => number } = {}): RequestLog {
  const now = opts.now ?? Date.now;
  let log: RequestLogEntry[] = [];
  let totals: RequestCounters = { requests: 0, pages: 0, resources: 0, bytes: 0 };
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  let allInFlight = 0;
  let allPeak = 0;

  function begin(host: string): void {
    const current = (inFlight.get(host) ?? 0) + 1;
    inFlight.set(host, current);
    peaks.set(host, Math.max(peaks.get(host) ?? 0, current));
    allInFlight += 1;
    allPeak = Math.max(allPeak, allInFlight);
  }

  function end(host: string): void {
    inFlight.set(host, (inFlight.get(host) ?? 1) - 1);
    allInFlight -= 1;
  }

  function record(entry: RequestLogEntry, c: Context): void {
    log.push(entry);
    totals.requests += 1;
    totals.bytes += entry.bytes;
    if (c.get(servedPageKey as never)) totals.pages += 1;
    totals.resources += Number(c.get(servedResourcesKey as never) ?? 0);
  }

  const middleware: MiddlewareHandler = async (c, next) => {
    const started = now();
    const url = new URL(c.req.url);
    const host = c.req.header('host') ?? url.host;
    const authorization = c.req.header('authorization') ?? '';
    const base = {
      at: started,
      method: c.req.method,
      host,
      url: redactUrl(url),
      orgId: readOrgId(url.pathname),
      bearer: /^bearer\s+\S/i.test(authorization),
    };
    begin(host);
    let finished = false;
    const finish = (status: number, bytes: number): void => {
      if (finished) return;
      finished = true;
      end(host);
      record({ ...base, status, bytes, durationMs: now() - started }, c);
    };
    try {
      await next();
    } catch (error) {
      finish(500, 0);
      throw error;
    }
    const res = c.res;
    if (!res.body) {
      finish(res.status, 0);
      return;
    }
    c.res = new Response(
      countBody(res.body, (bytes) => finish(res.status, bytes)),
      res,
    );
  };

  return {
    middleware,
    entries: () => [...log],
    clear: () => {
      log = [];
      totals = { requests: 0, pages: 0, resources: 0, bytes: 0 };
      peaks.clear();
      allPeak = allInFlight;
    },
    counters: () => ({ ...totals }),
    peakConcurrency: (host) => (host === undefined ? allPeak : (peaks.get(host) ?? 0)),
  };
}

/** Passes the body through and reports how many bytes went out when it ends, fails or is cancelled. */
function countBody(
  body: ReadableStream<Uint8Array>,
  done: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read();
        if (ended) {
          done(bytes);
          controller.close();
          return;
        }
        bytes += value.byteLength;
        controller.enqueue(value);
      } catch (error) {
        done(bytes);
        controller.error(error);
      }
    },
    cancel(reason) {
      done(bytes);
      return reader.cancel(reason);
    },
  });
}
