import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { SandboxOrganization, SandboxPatient } from '../model.ts';
import { findOrganization, type AuthContext } from './auth-context.ts';
import { renderConsentPage, renderErrorPage, renderSignInPage, sandboxPassword } from './auth-pages.ts';
import { buildRedirect, validateAuthorizeRequest, type AuthorizeRequest } from './authorize-request.ts';
import { createTransactionStore, type AuthorizeTransaction } from './authorize-transactions.ts';
import { checkScopeRegistration, grantConsentedScopes, listConsentBoxes } from './consent-choices.ts';
import { findAccessPeriod, type AccessPeriodKey } from './persistent-access.ts';
import { createRandomToken } from './random-token.ts';

const browserCookie = 'sandbox_browser';

/**
 * `GET {issuer}/authorize` → MyChart-like sign-in → consent (persistent-access period) → redirect with code,
 * state and iss. With auto-approve the pages are skipped and `login_hint` picks the patient.
 */
export function registerAuthorizeRoutes(app: Hono, ctx: AuthContext): void {
  const transactions = createTransactionStore(ctx.clock);
  app.get('/:orgId/oauth2/authorize', (c) => showAuthorize(c, ctx, transactions));
  app.post('/:orgId/oauth2/authorize/sign-in', (c) => submitSignIn(c, ctx, transactions));
  app.post('/:orgId/oauth2/authorize/consent', (c) => submitConsent(c, ctx, transactions));
}

type Transactions = ReturnType<typeof createTransactionStore>;

function showAuthorize(
  c: Context,
  ctx: AuthContext,
  transactions: Transactions,
): Response | Promise<Response> {
  const org = findOrganization(ctx, c);
  if (!org) return c.notFound();
  const query = new URL(c.req.url).searchParams;
  const result = validateAuthorizeRequest(query, org.id, ctx.urlsFor(org.id), ctx.clients.get);
  if (result.kind === 'page')
    return respondWithPage(c, 400, renderErrorPage('Invalid request', result.message));
  if (result.kind === 'redirect') {
    const { redirectUri, state, error, description } = result;
    return redirectToClient(c, ctx, org.id, redirectUri, { error, error_description: description, state });
  }
  const refused = checkRegistration(ctx, result.request);
  if (refused) {
    const { redirectUri, state } = result.request;
    const params = { error: 'invalid_scope', error_description: refused, state };
    return redirectToClient(c, ctx, org.id, redirectUri, params);
  }
  if (ctx.behaviour.autoApprove) return approveAutomatically(c, ctx, org, result.request);
  const tx = transactions.create(result.request, readOrSetBrowser(c, org.id));
  return respondWithPage(
    c,
    200,
    signInPage(ctx, org, tx, { username: result.request.loginHint?.slice(0, 100) }),
  );
}

async function submitSignIn(c: Context, ctx: AuthContext, transactions: Transactions): Promise<Response> {
  const org = findOrganization(ctx, c);
  if (!org) return c.notFound();
  const form = new URLSearchParams(await c.req.text());
  const tx = findTransaction(c, transactions, form, org.id);
  if (!tx) return respondWithPage(c, 403, expiredPage());
  const username = (form.get('username') ?? '').trim().toLowerCase();
  const patient = org.patients.find((candidate) => candidate.username === username);
  if (!patient || form.get('password') !== sandboxPassword) {
    const error = 'The username or password is incorrect.';
    return respondWithPage(c, 401, signInPage(ctx, org, tx, { error, username: username.slice(0, 100) }));
  }
  tx.patientId = patient.id;
  return respondWithPage(
    c,
    200,
    renderConsentPage({
      orgName: org.name,
      appName: tx.request.clientId,
      patientName: patient.displayName,
      scopes: tx.request.scopes,
      boxes: ctx.smartV2(org.id) ? listConsentBoxes(tx.request.scopes) : undefined,
      action: `${new URL(ctx.urlsFor(org.id).authorize).pathname}/consent`,
      transactionId: tx.id,
      csrfToken: tx.csrfToken,
    }),
  );
}

async function submitConsent(c: Context, ctx: AuthContext, transactions: Transactions): Promise<Response> {
  const org = findOrganization(ctx, c);
  if (!org) return c.notFound();
  const form = new URLSearchParams(await c.req.text());
  const tx = findTransaction(c, transactions, form, org.id);
  if (!tx || tx.patientId === undefined) return respondWithPage(c, 403, expiredPage());
  const period = findAccessPeriod(form.get('period') ?? '');
  const decision = form.get('decision');
  if (decision !== 'deny' && (decision !== 'allow' || !period)) {
    return respondWithPage(
      c,
      400,
      renderErrorPage('Invalid request', 'choose Allow or Deny and an access period'),
    );
  }
  transactions.delete(tx.id);
  const { redirectUri, state } = tx.request;
  if (decision === 'deny' || !period) {
    const params = { error: 'access_denied', error_description: 'The patient denied access.', state };
    return redirectToClient(c, ctx, org.id, redirectUri, params);
  }
  // A page with boxes (smart-v2) grants what stayed ticked; unticked boxes are absent from the form.
  const shared = form.get('boxes') === 'shown' ? new Set(form.getAll('share')) : undefined;
  const scopes = grantConsentedScopes(tx.request.scopes, shared);
  return redirectWithCode(c, ctx, { ...tx.request, scopes }, tx.patientId, period.key);
}

/** The app's request against its registered scope version, where the organisation speaks App Launch 2.0. */
function checkRegistration(ctx: AuthContext, request: AuthorizeRequest): string | undefined {
  const smartV2 = ctx.smartV2(request.orgId);
  if (!smartV2) return undefined;
  const registration = ctx.clients.get(request.clientId)?.scopeVersion ?? smartV2.registration;
  return checkScopeRegistration(request.scopes, registration);
}

function signInPage(
  ctx: AuthContext,
  org: SandboxOrganization,
  tx: AuthorizeTransaction,
  extra: { error?: string; username?: string } = {},
) {
  // A path without origin, so the form posts back to whatever host name the browser used (the cookie is per host).
  const action = `${new URL(ctx.urlsFor(org.id).authorize).pathname}/sign-in`;
  const view = {
    orgName: org.name,
    action,
    transactionId: tx.id,
    csrfToken: tx.csrfToken,
    patients: org.patients,
  };
  return renderSignInPage({ ...view, ...extra });
}

function expiredPage() {
  return renderErrorPage(
    'Sign-in expired',
    'This sign-in form has expired or was not opened in this browser. Start again from the app.',
  );
}

function findTransaction(
  c: Context,
  transactions: Transactions,
  form: URLSearchParams,
  orgId: string,
): AuthorizeTransaction | undefined {
  const tx = transactions.find(
    form.get('transaction') ?? '',
    getCookie(c, browserCookie),
    form.get('csrf_token') ?? '',
  );
  return tx && tx.request.orgId === orgId ? tx : undefined;
}

function approveAutomatically(
  c: Context,
  ctx: AuthContext,
  org: SandboxOrganization,
  request: AuthorizeRequest,
) {
  let patient: SandboxPatient | undefined = org.patients[0];
  if (request.loginHint !== undefined) {
    patient = org.patients.find((candidate) => candidate.username === request.loginHint?.toLowerCase());
  }
  if (!patient) {
    const description = 'login_hint names no sandbox patient at this organisation';
    const params = { error: 'invalid_request', error_description: description, state: request.state };
    return redirectToClient(c, ctx, org.id, request.redirectUri, params);
  }
  const scopes = grantConsentedScopes(request.scopes, ctx.behaviour.consentShared);
  return redirectWithCode(c, ctx, { ...request, scopes }, patient.id, ctx.behaviour.autoApprovePeriod);
}

function redirectWithCode(
  c: Context,
  ctx: AuthContext,
  request: AuthorizeRequest,
  patientId: string,
  period: AccessPeriodKey,
): Response {
  const { orgId, clientId, redirectUri, codeChallenge, scopes, nonce } = request;
  const code = ctx.store.createCode({
    orgId,
    clientId,
    redirectUri,
    codeChallenge,
    patientId,
    scopes,
    period,
    nonce,
  });
  return redirectToClient(c, ctx, orgId, redirectUri, { code, state: request.state });
}

function redirectToClient(
  c: Context,
  ctx: AuthContext,
  orgId: string,
  redirectUri: string,
  params: Record<string, string | undefined>,
): Response {
  const iss = ctx.behaviour.responseIss.get(orgId) ?? { mode: 'issuer' };
  const issValue =
    iss.mode === 'issuer' ? ctx.urlsFor(orgId).issuer : iss.mode === 'value' ? iss.value : undefined;
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  return c.redirect(buildRedirect(redirectUri, { ...params, iss: issValue }), 302);
}

function readOrSetBrowser(c: Context, orgId: string): string {
  const existing = getCookie(c, browserCookie);
  if (existing && /^[A-Za-z0-9_-]{32,64}$/.test(existing)) return existing;
  const browser = createRandomToken(32);
  setCookie(c, browserCookie, browser, { path: `/${orgId}/oauth2`, httpOnly: true, sameSite: 'Lax' });
  return browser;
}

function respondWithPage(c: Context, status: number, page: ReturnType<typeof renderErrorPage>) {
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  c.header(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  );
  return c.html(page, status as 200);
}
