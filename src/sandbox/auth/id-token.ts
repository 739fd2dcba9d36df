import type { AuthContext } from './auth-context.ts';
import type { Grant } from './grant-model.ts';

const idTokenLifetimeSeconds = 300;

/** The OpenID Connect id_token Epic returns with `openid`: RS256, sub = the patient, fhirUser = their Patient URL. */
export async function createIdToken(
  ctx: AuthContext,
  grant: Grant,
  nonce: string | undefined,
): Promise<string> {
  const urls = ctx.urlsFor(grant.orgId);
  const tamper = ctx.behaviour.idTokenTamper;
  const claims: Record<string, unknown> = {
    iss: urls.issuer,
    sub: grant.patientId,
    aud: grant.clientId,
    fhirUser: `${urls.fhirBase}/Patient/${grant.patientId}`,
    auth_time: Math.floor(grant.createdAt / 1000),
    ...(nonce === undefined ? {} : { nonce }),
  };
  const key = tamper?.foreignKey ? await ctx.foreignKey() : ctx.signingKey;
  const token = await key.sign(claims, { expiresInSeconds: idTokenLifetimeSeconds, now: ctx.clock.now() });
  if (!tamper?.claims) return token;
  // Tampered claims are re-signed, so only the named claims are wrong (not the signature).
  return key.sign(
    { ...claims, ...tamper.claims },
    { expiresInSeconds: idTokenLifetimeSeconds, now: ctx.clock.now() },
  );
}
