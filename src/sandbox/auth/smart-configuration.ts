import type { Context, Hono } from 'hono';
import { findOrganization, type AuthContext } from './auth-context.ts';
import { assertionAlgorithms } from './client-authenticator.ts';
import { CONDITION_CATEGORY_SYSTEM, OBSERVATION_CATEGORY_SYSTEM } from './consent-choices.ts';

/**
 * `{fhirBase}/.well-known/smart-configuration`, shaped like Epic's: issuer-relative OAuth endpoints,
 * private_key_jwt only, S256 only. Even-numbered organisations advertise RFC 9207 `iss` in the authorize
 * response. Tests can patch the document (e.g. a token endpoint on another origin, case 33).
 */
/** App Launch 2.0 (the smart-v2 profile): v2 and granular scopes beside v1, as certified EHRs list them. */
const smartV2Discovery = {
  scopes_supported: [
    'openid',
    'fhirUser',
    'launch/patient',
    'offline_access',
    'online_access',
    'patient/*.read',
    'patient/*.rs',
    `patient/Observation.rs?category=${OBSERVATION_CATEGORY_SYSTEM}|laboratory`,
    `patient/Condition.rs?category=${CONDITION_CATEGORY_SYSTEM}|problem-list-item`,
  ],
  capabilities: [
    'launch-standalone',
    'client-confidential-asymmetric',
    'context-standalone-patient',
    'permission-patient',
    'permission-offline',
    'permission-v1',
    'permission-v2',
    'sso-openid-connect',
  ],
};

export function registerSmartConfiguration(app: Hono, ctx: AuthContext): void {
  const serve = (c: Context): Response | Promise<Response> => {
    const org = findOrganization(ctx, c);
    if (!org) return c.notFound();
    const urls = ctx.urlsFor(org.id);
    // Only under the organisation's own FHIR base (Epic-style or a generic profile's `fhir/r4`).
    if (
      new URL(urls.fhirBase).pathname + '/.well-known/smart-configuration' !==
      new URL(c.req.url).pathname
    ) {
      return c.notFound();
    }
    const document = {
      issuer: urls.issuer,
      jwks_uri: urls.jwks,
      authorization_endpoint: urls.authorize,
      token_endpoint: urls.token,
      introspection_endpoint: urls.introspect,
      revocation_endpoint: urls.revoke,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
      grant_types_supported: ['authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      scopes_supported: [
        'openid',
        'fhirUser',
        'launch/patient',
        'offline_access',
        'online_access',
        'patient/*.read',
      ],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: ctx.advertisesIss(org.id),
      capabilities: [
        'launch-standalone',
        'client-confidential-asymmetric',
        'context-standalone-patient',
        'permission-patient',
        'permission-offline',
        'permission-v1',
        'sso-openid-connect',
      ],
      ...(ctx.smartV2(org.id) ? smartV2Discovery : {}),
      ...ctx.behaviour.discovery.get(org.id),
    };
    c.header('Cache-Control', 'public, max-age=3600');
    return c.json(document);
  };
  app.get('/:orgId/api/FHIR/R4/.well-known/smart-configuration', serve);
  app.get('/:orgId/fhir/r4/.well-known/smart-configuration', serve);

  app.get('/:orgId/oauth2/.well-known/jwks.json', (c) => {
    if (!findOrganization(ctx, c)) return c.notFound();
    c.header('Cache-Control', 'public, max-age=3600');
    return c.json({ keys: [ctx.signingKey.publicJwk] });
  });
}
