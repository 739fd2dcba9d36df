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

/** In-flight requests per Host header and overall, with the peaks since the last reset. */
function createConcurrencyTracker() {
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  let all = 0;
  let allPeak = 0;
  return {
    begin(host: string): void {
      const current = (inFlight.get(host) ?? 0) + 1;
      inFlight.set(host, current);
      peaks.set(host, Math.max(peaks.get(host) ?? 0, current));
      all += 1;
      allPeak = Math.max(allPeak, all);
    },
    end(host: string): void {
      inFlight.set(host, (inFlight.get(host) ?? 1) - 1);
      all -= 1;
    },
    reset(): void {
      peaks.clear();
      allPeak = all;
    },
    peak: (host?: string): number => (host === undefined ? allPeak : (peaks.get(host) ?? 0)),
  };
}

/** The parts of an entry known when the request arrives. */
function describeRequest(c: Context, at: number): Omit<RequestLogEntry, 'status' | 'bytes' | 'durationMs'> {
  const url = new URL(c.req.url);
  return {
    at,
    method: c.req.method,
    host: c.req.header('host') ?? url.host,
    url: redactUrl(url),
    orgId: readOrgId(url.pathname),
    bearer: /^bearer\s+\S/i.test(c.req.header('authorization') ?? ''),
  };
}

const emptyCounters = (): RequestCounters => ({ requests: 0, pages: 0, resources: 0, bytes: 0 });

export function createRequestLog(opts: { now?: () => number } = {}): RequestLog {
  const now = opts.now ?? Date.now;
  let log: RequestLogEntry[] = [];
  let totals = emptyCounters();
  const concurrency = createConcurrencyTracker();

  const record = (entry: RequestLogEntry, c: Context): void => {
    log.push(entry);
    totals.requests += 1;
    totals.bytes += entry.bytes;
    if (c.get(servedPageKey as never)) totals.pages += 1;
    totals.resources += Number(c.get(servedResourcesKey as never) ?? 0);
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    const base = describeRequest(c, now());
    concurrency.begin(base.host);
    let finished = false;
    const finish = (status: number, bytes: number): void => {
      if (finished) return;
      finished = true;
      concurrency.end(base.host);
      record({ ...base, status, bytes, durationMs: now() - base.at }, c);
    };
    try {
      await next();
    } catch (error) {
      finish(500, 0);
      throw error;
    }
    const res = c.res;
    if (!res.body) return finish(res.status, 0);
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
      totals = emptyCounters();
      concurrency.reset();
    },
    counters: () => ({ ...totals }),
    peakConcurrency: (host) => concurrency.peak(host),
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
