import type { Context, Hono } from 'hono';
import type { SandboxClient } from '../model.ts';
import { findOrganization, type AuthContext } from './auth-context.ts';
import { OAuthError, respondWithOAuthError } from './oauth-error.ts';
import { readOAuthForm, requireParam } from './read-form.ts';

/**
 * `POST {issuer}/introspect` (RFC 7662) and `POST {issuer}/revoke` (RFC 7009), both authenticated with a client
 * assertion whose `aud` is the token endpoint or the endpoint itself. A client only learns about, and only
 * revokes, its own tokens at this organisation.
 */
export function registerIntrospectAndRevoke(app: Hono, ctx: AuthContext): void {
  app.post('/:orgId/oauth2/introspect', (c) =>
    handle(c, ctx, 'introspect', (orgId, client, form) => {
      const token = requireParam(form, 'token');
      return c.json(introspect(ctx, orgId, client, token));
    }),
  );
  app.post('/:orgId/oauth2/revoke', (c) =>
    handle(c, ctx, 'revoke', (orgId, client, form) => {
      const token = requireParam(form, 'token');
      ctx.store.revokeToken(token, client.clientId, orgId);
      return c.body(null, 200);
    }),
  );
}

async function handle(
  c: Context,
  ctx: AuthContext,
  endpoint: 'introspect' | 'revoke',
  answer: (orgId: string, client: SandboxClient, form: URLSearchParams) => Response,
): Promise<Response> {
  const org = findOrganization(ctx, c);
  if (!org) return c.notFound();
  try {
    const form = await readOAuthForm(c);
    const urls = ctx.urlsFor(org.id);
    const client = await ctx.authenticator.authenticate({
      form,
      authorization: c.req.header('authorization'),
      audiences: [urls.token, urls[endpoint]],
    });
    c.header('Cache-Control', 'no-store');
    return answer(org.id, client, form);
  } catch (error) {
    if (error instanceof OAuthError) return respondWithOAuthError(c, error);
    throw error;
  }
}

function introspect(
  ctx: AuthContext,
  orgId: string,
  client: SandboxClient,
  token: string,
): Record<string, unknown> {
  const description = ctx.store.describeToken(token);
  if (!description || description.grant.clientId !== client.clientId || description.grant.orgId !== orgId) {
    return { active: false };
  }
  const { grant } = description;
  const urls = ctx.urlsFor(orgId);
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  return {
    active: true,
    token_type: description.kind === 'access' ? 'Bearer' : 'refresh_token',
    scope: grant.scopes.join(' '),
    client_id: grant.clientId,
    iss: urls.issuer,
    sub: grant.patientId,
    patient: grant.patientId,
    fhirUser: `${urls.fhirBase}/Patient/${grant.patientId}`,
    iat: seconds(description.issuedAt),
    // An indefinite persistent-access grant has no end, so its refresh token carries no exp.
    ...(description.expiresAt === null ? {} : { exp: seconds(description.expiresAt) }),
  };
}
