import { ChartbridgeError } from '../errors.ts';
import { buildApproveForm, parseDownload, readApproveAnswer } from './activation-plan.ts';
import type { ActivationStep, PortalDownload } from './activation-plan.ts';
import type { PortalSession } from './portal-session.ts';

/**
 * HTTP client for the developer portal's own JSON endpoints (docs/epic-facts.md §6), authenticated the way the page is: the
 * signed-in session's Cookie header and the `RequestVerificationToken` header. The portal signals an expired
 * session with a redirect to its sign-in page and a bad token with a 400 HTML page; both become ERR_PORTAL_SESSION
 * with the exact thing the operator has to copy again.
 */
export type ApproveOutcome =
  | { kind: 'ok' }
  | { kind: 'rejected'; message: string }
  | { kind: 'retry'; reason: string; retryAfterMs: number | null };

export interface PortalClient {
  loadDownloads(appId: string, pageSize: number, page: number): Promise<PortalDownload[]>;
  /** Every organisation, paging until a page has fewer rows than the page size. */
  loadAllDownloads(appId: string, pageSize?: number): Promise<PortalDownload[]>;
  approveDownload(appId: string, orgId: string, step: ActivationStep, jwks?: string): Promise<ApproveOutcome>;
}

export interface PortalClientOptions {
  portalUrl: string;
  session: PortalSession;
  fetch?: typeof fetch;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const SESSION_EXPIRED_MESSAGE =
  'the epic portal session was not accepted (signed out or expired): sign in at fhir.epic.com again, open ' +
  "your app's review & manage downloads page and copy the cookie request header and the " +
  '__RequestVerificationToken value again (docs/epic-setup.md, "copy the portal session")';
export const TOKEN_REJECTED_MESSAGE =
  'the epic portal rejected the request verification token: copy the value of the hidden ' +
  '__RequestVerificationToken input from the review & manage downloads page again, in the same browser session ' +
  'as the cookie (docs/epic-setup.md, "copy the portal session")';

type Post = (path: string, form: Record<string, string>) => Promise<Response>;

export function createPortalClient(options: PortalClientOptions): PortalClient {
  const post = createPost(options);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const client: PortalClient = {
    loadDownloads: (appId, pageSize, page) => loadDownloadsPage(post, sleep, appId, pageSize, page),
    async loadAllDownloads(appId, pageSize = 1000) {
      const all: PortalDownload[] = [];
      for (let page = 0; ; page++) {
        const rows = await client.loadDownloads(appId, pageSize, page);
        all.push(...rows);
        if (rows.length < pageSize) return all;
      }
    },
    async approveDownload(appId, orgId, step, jwks = '') {
      let response: Response;
      try {
        response = await post('/Developer/ApproveDownload', buildApproveForm(orgId, appId, step, jwks));
      } catch (error) {
        return { kind: 'retry', reason: `network error: ${(error as Error).message}`, retryAfterMs: null };
      }
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        return { kind: 'retry', reason: `HTTP ${response.status}`, retryAfterMs: readRetryAfter(response) };
      }
      const answer = readApproveAnswer(await readJson(response, 'ApproveDownload'));
      return answer.ok ? { kind: 'ok' } : { kind: 'rejected', message: answer.message };
    },
  };
  return client;
}

// The page's own AJAX request: form-encoded, session cookie, anti-forgery header; redirects are not followed so
// an expired session shows as the redirect to the sign-in page.
function createPost(options: PortalClientOptions): Post {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.portalUrl.replace(/\/+$/, '');
  return (path, form) =>
    fetchImpl(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
        accept: 'application/json',
        cookie: options.session.cookie,
        RequestVerificationToken: options.session.verificationToken,
        'x-requested-with': 'XMLHttpRequest',
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
}

async function loadDownloadsPage(
  post: Post,
  sleep: (ms: number) => Promise<void>,
  appId: string,
  pageSize: number,
  page: number,
): Promise<PortalDownload[]> {
  const form = { appId, PageSize: String(pageSize), page: String(page) };
  const response = await postWithRetries(post, sleep, '/Developer/LoadDownloads', form);
  const body = (await readJson(response, 'LoadDownloads')) as {
    Success?: unknown;
    Message?: unknown;
    Data?: { Downloads?: unknown };
  };
  const rows = body?.Data?.Downloads;
  if (body?.Success !== true || !Array.isArray(rows)) {
    const detail = typeof body?.Message === 'string' ? `: ${body.Message}` : '';
    throw new ChartbridgeError(
      'ERR_PORTAL_RESPONSE',
      `the portal could not list downloads for app '${appId}'${detail}; check --app-id`,
    );
  }
  return rows.map((row) => parseDownload(row ?? {})).filter((d): d is PortalDownload => d !== undefined);
}

// Listing is read-only, so retrying it on a rate limit, a server error or a network error is always safe.
async function postWithRetries(
  post: Post,
  sleep: (ms: number) => Promise<void>,
  path: string,
  form: Record<string, string>,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await post(path, form);
    } catch (error) {
      failure = error;
    }
    const retryable = !response || response.status === 429 || response.status >= 500;
    if (!retryable) return response!;
    if (attempt >= 4) {
      if (response) return response;
      throw new ChartbridgeError(
        'ERR_PORTAL_RESPONSE',
        'cannot reach the developer portal: check --portal-url and the network, then run again',
        { cause: failure },
      );
    }
    await response?.body?.cancel();
    await sleep(Math.max((response && readRetryAfter(response)) ?? 0, 500 * 2 ** attempt));
  }
}

async function readJson(response: Response, what: string): Promise<unknown> {
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new ChartbridgeError('ERR_PORTAL_SESSION', SESSION_EXPIRED_MESSAGE);
  }
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 400 && !type.includes('json')) {
    await response.body?.cancel();
    throw new ChartbridgeError('ERR_PORTAL_SESSION', TOKEN_REJECTED_MESSAGE);
  }
  if (!response.ok || !type.includes('json')) {
    const text = await response.text();
    // A 200 HTML page is the sign-in form reached through a proxy or an already-followed redirect.
    if (response.ok && /<form[^>]*login|sign in/i.test(text)) {
      throw new ChartbridgeError('ERR_PORTAL_SESSION', SESSION_EXPIRED_MESSAGE);
    }
    throw new ChartbridgeError(
      'ERR_PORTAL_RESPONSE',
      `the portal answered ${what} with HTTP ${response.status} ${type || 'without a content type'}; retry later`,
    );
  }
  try {
    return await response.json();
  } catch (error) {
    throw new ChartbridgeError(
      'ERR_PORTAL_RESPONSE',
      `the portal answered ${what} with invalid JSON; retry later`,
      { cause: error },
    );
  }
}

function readRetryAfter(response: Response): number | null {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}
