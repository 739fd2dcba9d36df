import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { createBaseGuard, describeOrigin, type BaseGuard } from './base-guard.ts';
import type { HostLimiter } from './host-limiter.ts';
import { sendOnce, type SendDeps, type SendInput } from './send-once.ts';
import { computeBackoff, parseRetryAfter } from './retry-after.ts';

/** Exactly the two vault methods the client needs, so unit tests can pass a fake. */
export interface TokenSource {
  getAccessToken(connectionId: string): Promise<string>;
  refreshAfterRejection(connectionId: string, rejectedToken: string): Promise<string>;
}

export interface FhirLimits {
  /** Until the response headers arrive (includes connecting). */
  headersTimeoutMs: number;
  /** Longest gap between body chunks. */
  bodyIdleMs: number;
  /** After `slowBodyAfterMs`, a body averaging less than this many bytes a second is cut (ERR_TOO_SLOW). */
  minBodyBytesPerSecond: number;
  slowBodyAfterMs: number;
  /** Whole request, headers and body. */
  totalTimeoutMs: number;
  /** Decoded body cap. */
  maxBytes: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Longest `Retry-After` honoured; larger values are capped to this. */
  retryAfterCapMs: number;
  maxRedirects: number;
}

export const defaultFhirLimits: FhirLimits = {
  headersTimeoutMs: 30_000,
  bodyIdleMs: 30_000,
  minBodyBytesPerSecond: 1024,
  slowBodyAfterMs: 10_000,
  totalTimeoutMs: 120_000,
  maxBytes: 64 * 1024 * 1024,
  maxAttempts: 4,
  backoffBaseMs: 250,
  backoffCapMs: 10_000,
  retryAfterCapMs: 60_000,
  maxRedirects: 5,
};

export interface FhirResponse {
  status: number;
  /** The final URL after same-origin redirects. */
  url: string;
  contentType: string;
  /** `Retry-After` as sent, for callers that reschedule. */
  retryAfter: string | null;
  body: Buffer;
}

/** Something the client refused to send credentials to (C32); recorded by the caller as a sync warning. */
export interface RefusedRequest {
  origin: string;
  what: string;
}

export interface FhirClientOptions {
  fhirBase: string;
  connectionId: string;
  tokens: TokenSource;
  limiter: HostLimiter;
  fetch?: typeof fetch;
  limits?: Partial<FhirLimits>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onRefused?: (event: RefusedRequest) => void;
}

export interface FhirClient {
  readonly guard: BaseGuard;
  readonly limits: FhirLimits;
  /** GET a URL under the base (absolute or relative); 2xx and 4xx come back, 401 twice and exhaustion throw. */
  get(
    reference: string,
    options?: { accept?: string; maxBytes?: number; what?: string; priority?: number },
  ): Promise<FhirResponse>;
}

/**
 * The origin-pinned FHIR HTTP client. The bearer token goes only to URLs under the connection's FHIR base;
 * redirects are followed by hand and only inside the base. Every attempt holds a per-host slot only while it
 * is on the wire (never while backing off), has header/idle/total timeouts and a decoded-size cap.
 */
export function createFhirClient(options: FhirClientOptions): FhirClient {
  const guard = createBaseGuard(options.fhirBase);
  const limits = { ...defaultFhirLimits, ...options.limits };
  const t: Transport = {
    guard,
    limits,
    limiter: options.limiter,
    fetch: options.fetch ?? fetch,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    refuse(url, what) {
      options.onRefused?.({ origin: describeOrigin(url), what });
      return guard.requireUnderBase(url.href, what) as never;
    },
  };

  return {
    guard,
    limits,
    async get(reference, getOptions = {}) {
      const what = getOptions.what ?? 'a fhir request';
      const resolved = guard.resolve(reference);
      if (!guard.isUnderBase(resolved)) t.refuse(resolved, what);
      const input: SendInput = {
        url: resolved,
        token: await options.tokens.getAccessToken(options.connectionId),
        accept:
          getOptions.accept ?? 'application/fhir+json, application/json+fhir;q=0.9, application/json;q=0.8',
        maxBytes: getOptions.maxBytes ?? limits.maxBytes,
        what,
        priority: getOptions.priority,
      };
      const first = await sendWithRetries(t, input);
      if (first.status !== 401) return first;
      const token = await options.tokens.refreshAfterRejection(options.connectionId, input.token);
      const second = await sendWithRetries(t, { ...input, token });
      if (second.status !== 401) return second;
      throw new ChartbridgeError(
        'ERR_FHIR_REAUTH_REQUIRED',
        `the ehr at '${describeOrigin(resolved)}' rejected a freshly refreshed access token; the patient must connect again`,
      );
    },
  };
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

function isTransient(error: unknown): boolean {
  return isChartbridgeError(error, 'ERR_TIMEOUT') || isChartbridgeError(error, 'ERR_FHIR_HTTP');
}

/** Every attempt failed: `lastStatus` is the server's last answer (5xx, 429, 408), undefined after timeouts. */
export class RetriesExhaustedError extends ChartbridgeError {
  readonly lastStatus: number | undefined;
  constructor(message: string, lastStatus: number | undefined, cause: unknown) {
    super('ERR_FHIR_RETRYABLE', message, { cause });
    this.lastStatus = lastStatus;
  }
}

function exhausted(input: SendInput, status: number | undefined, cause: unknown): ChartbridgeError {
  const origin = describeOrigin(input.url);
  const detail = status === undefined ? 'kept failing' : `kept answering http ${status}`;
  return new RetriesExhaustedError(
    `${input.what} to '${origin}' ${detail} after retries; the sync will resume from its checkpoint later`,
    status,
    cause,
  );
}

/** What one client's requests share: the guard, limits, the per-host limiter, fetch and time. */
interface Transport extends SendDeps {
  guard: BaseGuard;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  refuse(url: URL, what: string): never;
}

async function sendFollowingRedirects(t: Transport, input: SendInput): Promise<FhirResponse> {
  let url = input.url;
  for (let hop = 0; ; hop += 1) {
    const response = await sendOnce(t, { ...input, url });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      return {
        status: response.status,
        url: url.href,
        contentType: response.headers.get('content-type') ?? '',
        retryAfter: response.headers.get('retry-after'),
        body: response.body,
      };
    }
    if (hop >= t.limits.maxRedirects) {
      throw new ChartbridgeError(
        'ERR_FHIR_HTTP',
        `${input.what} redirected more than ${t.limits.maxRedirects} times`,
      );
    }
    const next = t.guard.resolve(location);
    if (!t.guard.isUnderBase(next)) t.refuse(next, `a redirect of ${input.what}`);
    url = next;
  }
}

async function sendWithRetries(t: Transport, input: SendInput): Promise<FhirResponse> {
  for (let attempt = 1; ; attempt += 1) {
    let response: FhirResponse | undefined;
    let failure: unknown;
    try {
      response = await sendFollowingRedirects(t, input);
    } catch (error) {
      if (!isTransient(error)) throw error;
      failure = error;
    }
    if (response && !isRetryableStatus(response.status)) return response;
    if (attempt >= t.limits.maxAttempts) throw exhausted(input, response?.status, failure);
    const retryAfter = response
      ? parseRetryAfter(response.retryAfter, t.now(), t.limits.retryAfterCapMs)
      : undefined;
    await t.sleep(
      retryAfter ?? computeBackoff(attempt, t.limits.backoffBaseMs, t.limits.backoffCapMs, t.random),
    );
  }
}
