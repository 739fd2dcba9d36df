import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { buildApiCatalog, type PortalApi } from './api-catalog.ts';
import { answerApproveDownload } from './approve-download.ts';
import { renderEditAppPage, renderLoginPage, renderManagementPage } from './portal-pages.ts';
import { createPortalState, type PortalSession, type PortalState } from './portal-state.ts';

/**
 * The developer-portal double (issue 3 §4, docs/epic-facts.md §6): fhir.epic.com's sign-in, "Review & Manage Downloads"
 * page and its two JSON endpoints, and the app's API-selection page. Sessions are checked the way the real
 * portal does: no or expired cookie → a redirect to the sign-in page; wrong `RequestVerificationToken` → 400 HTML.
 */
export interface PortalDoubleOptions {
  appId?: string;
  orgCount?: number;
  failingOrgCount?: number;
  startNonProd?: number;
  startDone?: number;
  /** Added to every JSON call, to make pacing and timeouts realistic. */
  latencyMs?: number;
  /** At most `limit` JSON calls per `windowMs`; beyond that 429 with `Retry-After`. */
  rateLimit?: { limit: number; windowMs: number; retryAfterSeconds?: number };
  sessionTtlMs?: number;
  /** How many USCDI APIs the app already has selected when the page first loads. */
  preselectedApis?: number;
  catalog?: PortalApi[];
  /** Where the app is mounted (e.g. '/portal'); links and redirects include it. */
  basePath?: string;
  now?: () => number;
}

export interface PortalDouble {
  app: Hono;
  state: PortalState;
  catalog: PortalApi[];
}

type Env = { Variables: { session: PortalSession } };

export function createPortalDoubleApp(options: PortalDoubleOptions = {}): PortalDouble {
  const state = createPortalState({
    appId: options.appId ?? '12345',
    orgCount: options.orgCount ?? 25,
    failingOrgCount: options.failingOrgCount,
    startNonProd: options.startNonProd,
    startDone: options.startDone,
    sessionTtlMs: options.sessionTtlMs,
    now: options.now,
  });
  const catalog = options.catalog ?? buildApiCatalog();
  preselect(state, catalog, options.preselectedApis ?? 3);
  const base = options.basePath ?? '';
  const app = new Hono<Env>();
  const signedIn = requireSession(state, base);
  addSignInRoutes(app, state, base);
  addAppPageRoutes(app, { state, catalog, base, signedIn });
  const json = [signedIn, requireVerificationToken(), pace(state, options)] as const;
  app.post('/Developer/LoadDownloads', ...json, async (c) => {
    state.counters.loadCalls++;
    return c.json(answerLoadDownloads(state, await readForm(c)));
  });
  app.post('/Developer/ApproveDownload', ...json, async (c) => {
    state.counters.approveCalls++;
    return c.json(answerApproveDownload(state, await readForm(c)));
  });
  return { app: app as unknown as Hono, state, catalog };
}

function addSignInRoutes(app: Hono<Env>, state: PortalState, base: string): void {
  app.get('/Account/Login', (c) =>
    // Signed in, the double's own app page is where there is something to see.
    c.html(
      renderLoginPage(c.req.query('ReturnUrl') ?? `${base}/Developer/Management?id=${state.appId}`, base),
    ),
  );
  app.post('/Account/Login', async (c) => {
    const form = await readForm(c);
    if (!form.Username || !form.Password) return c.html(renderLoginPage(form.ReturnUrl ?? '', base), 200);
    const session = state.createSession();
    setCookie(c, state.sessionCookieName, session.id, { path: '/', httpOnly: true, sameSite: 'Lax' });
    return c.redirect(safeReturnUrl(form.ReturnUrl, `${base}/Developer/Management?id=${state.appId}`), 302);
  });
}

function addAppPageRoutes(
  app: Hono<Env>,
  {
    state,
    catalog,
    base,
    signedIn,
  }: { state: PortalState; catalog: PortalApi[]; base: string; signedIn: MiddlewareHandler<Env> },
): void {
  app.get('/Developer/Management', signedIn, (c) => {
    if (c.req.query('id') !== state.appId) return c.html('<h1>App not found</h1>', 404);
    const token = c.get('session').verificationToken;
    return c.html(renderManagementPage(state.appId, token, [...state.orgs.values()]));
  });
  app.get('/Developer/EditApp', signedIn, (c) => {
    if (c.req.query('appId') !== state.appId) return c.html('<h1>App not found</h1>', 404);
    const token = c.get('session').verificationToken;
    return c.html(renderEditAppPage(state.appId, token, catalog, state.selectedApiIds, base));
  });
  app.post('/Developer/SaveApis', signedIn, async (c) => {
    const body = await c.req.parseBody({ all: true });
    if (body.__RequestVerificationToken !== c.get('session').verificationToken) return badRequest(c);
    const ids = body.IncomingApis === undefined ? [] : [body.IncomingApis].flat().map(String);
    state.selectedApiIds.clear();
    for (const id of ids) if (catalog.some((api) => api.id === id)) state.selectedApiIds.add(id);
    return c.redirect(`${base}/Developer/EditApp?appId=${state.appId}`, 302);
  });
}

function answerLoadDownloads(state: PortalState, form: Record<string, string>) {
  const pageSize = Number(form.PageSize);
  const page = Number(form.page);
  if (form.appId !== state.appId || !(pageSize > 0) || !Number.isInteger(page) || page < 0) {
    return { Success: false, Message: 'The request is invalid.', Data: null };
  }
  const all = [...state.orgs.values()];
  const downloads = all.slice(page * pageSize, (page + 1) * pageSize).map((org) => ({
    Id: `${org.orgId}_${state.appId}`,
    OrgName: org.orgName,
    Approved: org.approved,
    ECMId: org.ecmId,
    NonProdClientId: null,
    ProdClientId: null,
  }));
  return { Success: true, Message: null, Data: { Downloads: downloads, TotalCount: all.length } };
}

function requireSession(state: PortalState, base: string): MiddlewareHandler<Env> {
  return async (c, next) => {
    const session = state.findSession(getCookie(c, state.sessionCookieName));
    if (!session) {
      const returnUrl = new URL(c.req.url).pathname + new URL(c.req.url).search;
      return c.redirect(`${base}/Account/Login?ReturnUrl=${encodeURIComponent(returnUrl)}`, 302);
    }
    c.set('session', session);
    await next();
  };
}

function requireVerificationToken(): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.req.header('RequestVerificationToken') !== c.get('session').verificationToken) return badRequest(c);
    await next();
  };
}

function pace(state: PortalState, options: PortalDoubleOptions): MiddlewareHandler<Env> {
  const recent: number[] = [];
  return async (c, next) => {
    const limit = options.rateLimit;
    if (limit) {
      const now = state.now();
      while (recent.length && recent[0]! <= now - limit.windowMs) recent.shift();
      if (recent.length >= limit.limit) {
        state.counters.rateLimited++;
        c.header('Retry-After', String(limit.retryAfterSeconds ?? 1));
        return c.text('Too Many Requests', 429);
      }
      recent.push(now);
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    await next();
  };
}

function preselect(state: PortalState, catalog: PortalApi[], count: number): void {
  const uscdi = catalog.filter((api) => (api.uscdiV3 || api.uscdiReadOnly) && api.label.includes('(R4)'));
  for (const api of uscdi.slice(0, count)) state.selectedApiIds.add(api.id);
}

async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const form: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') form[name] = value;
  return form;
}

function safeReturnUrl(returnUrl: string | undefined, fallback: string): string {
  return returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//') ? returnUrl : fallback;
}

// ASP.NET's anti-forgery failure: a 400 error page, not JSON.
function badRequest(c: Context) {
  return c.html('<!doctype html><html><body><h1>Bad Request</h1></body></html>', 400);
}
