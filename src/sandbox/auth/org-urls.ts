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

/** `fhirPath` is the base under the organisation: Epic's `api/FHIR/R4` (default) or a profile's (`fhir/r4`). */
export function buildOrgUrls(origin: string, orgId: string, fhirPath = 'api/FHIR/R4'): OrgUrls {
  const root = `${origin}/${encodeURIComponent(orgId)}`;
  const issuer = `${root}/oauth2`;
  return {
    origin,
    fhirBase: `${root}/${fhirPath}`,
    issuer,
    authorize: `${issuer}/authorize`,
    token: `${issuer}/token`,
    introspect: `${issuer}/introspect`,
    revoke: `${issuer}/revoke`,
    jwks: `${issuer}/.well-known/jwks.json`,
  };
}
