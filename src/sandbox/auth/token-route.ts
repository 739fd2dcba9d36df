import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SandboxClient } from '../model.ts';
import { findOrganization, type AuthContext } from './auth-context.ts';
import { createIdToken } from './id-token.ts';
import { OAuthError, respondWithOAuthError } from './oauth-error.ts';
import { readOAuthForm, requireParam } from './read-form.ts';
import type { IssuedTokens } from './token-store.ts';

const codeVerifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;

/** `POST {issuer}/token`: authorization_code and refresh_token grants, private_key_jwt only, Epic-shaped answers. */
export function registerTokenRoute(app: Hono, ctx: AuthContext): void {
  app.post('/:orgId/oauth2/token', async (c) => {
    const org = findOrganization(ctx, c);
    if (!org) return c.notFound();
    try {
      const form = await readOAuthForm(c);
      ctx.counters.record(form);
      const client = await ctx.authenticator.authenticate({
        form,
        authorization: c.req.header('authorization'),
        audiences: [ctx.urlsFor(org.id).token],
      });
      const grantType = requireParam(form, 'grant_type');
      if (grantType === 'authorization_code') return await exchangeCode(c, ctx, org.id, client, form);
      if (grantType === 'refresh_token') return await refreshGrant(c, ctx, org.id, client, form);
      throw new OAuthError(
        'unsupported_grant_type',
        `grant_type "${grantType.slice(0, 40)}" is not supported`,
      );
    } catch (error) {
      if (error instanceof OAuthError) return respondWithOAuthError(c, error);
      throw error;
    }
  });
}

async function exchangeCode(
  c: Context,
  ctx: AuthContext,
  orgId: string,
  client: SandboxClient,
  form: URLSearchParams,
): Promise<Response> {
  const code = requireParam(form, 'code');
  const redirectUri = requireParam(form, 'redirect_uri');
  const verifier = requireParam(form, 'code_verifier');
  if (!codeVerifierPattern.test(verifier)) {
    throw new OAuthError('invalid_request', 'code_verifier must be 43 to 128 unreserved characters');
  }
  const record = ctx.store.redeemCode(code);
  if (record.orgId !== orgId)
    throw new OAuthError('invalid_grant', 'the authorization code was issued elsewhere');
  if (record.clientId !== client.clientId) {
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  }
  if (record.redirectUri !== redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri differs from the one in the authorization request');
  }
  if (createHash('sha256').update(verifier).digest('base64url') !== record.codeChallenge) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (S256)');
  }
  const grant = ctx.store.createGrant(record);
  const issued = ctx.store.issueTokens(grant);
  const idToken = grant.scopes.includes('openid') ? await createIdToken(ctx, grant, record.nonce) : undefined;
  return respondWithTokens(c, ctx, issued, idToken);
}

async function refreshGrant(
  c: Context,
  ctx: AuthContext,
  orgId: string,
  client: SandboxClient,
  form: URLSearchParams,
): Promise<Response> {
  const refreshToken = requireParam(form, 'refresh_token');
  const grant = ctx.store.peekRefreshGrant(refreshToken);
  if (grant && grant.orgId !== orgId) {
    throw new OAuthError('invalid_grant', 'the refresh token was issued by another organisation');
  }
  const scope = form.get('scope');
  if (grant && scope !== null && scope.split(' ').some((item) => item && !grant.scopes.includes(item))) {
    throw new OAuthError('invalid_scope', 'a refresh may not ask for scopes beyond the original grant');
  }
  const issued = ctx.store.refresh(refreshToken, client.clientId);
  return respondWithTokens(c, ctx, issued, undefined);
}

function respondWithTokens(
  c: Context,
  ctx: AuthContext,
  issued: IssuedTokens,
  idToken: string | undefined,
): Response {
  const { grant } = issued;
  // Epic's granted scope string leaves out offline_access and ends with a space; clients must cope with both.
  const scope = `${grant.scopes.filter((item) => item !== 'offline_access').join(' ')} `;
  const body: Record<string, unknown> = {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    scope,
    ...(idToken === undefined ? {} : { id_token: idToken }),
    ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
    patient: grant.patientId,
    '__epic.dstu2.patient': deriveDstu2PatientId(grant.patientId),
  };
  // Some servers leave out expires_in, scope or refresh_token (REAL-WORLD.md "Tokens"; the org's profile).
  for (const member of ctx.tokenOmits(grant.orgId)) delete body[member];
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  const tampered = ctx.behaviour.tokenTamper ? ctx.behaviour.tokenTamper(body) : body;
  return tampered instanceof Response ? tampered : c.json(tampered);
}

/** Epic returns the patient's DSTU2 id beside the R4 one; a stable derived id stands in for it. */
function deriveDstu2PatientId(patientId: string): string {
  return `T${createHash('sha256').update(patientId).digest('base64url').slice(0, 30)}B`;
}
