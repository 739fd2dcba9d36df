/** Every URL of one sandbox organisation, derived from its origin the way Epic lays them out. */
export interface OrgUrls {
  origin: string;
  fhirBase: string;
  issuer: string;
  authorize: string;
  token: string;
  introspect: string;
  revoke: string;
  jwks: string;
}

export function buildOrgUrls(origin: string, orgId: string): OrgUrls {
  const root = `${origin}/${encodeURIComponent(orgId)}`;
  const issuer = `${root}/oauth2`;
  return {
    origin,
    fhirBase: `${root}/api/FHIR/R4`,
    issuer,
    authorize: `${issuer}/authorize`,
    token: `${issuer}/token`,
    introspect: `${issuer}/introspect`,
    revoke: `${issuer}/revoke`,
    jwks: `${issuer}/.well-known/jwks.json`,
  };
}
