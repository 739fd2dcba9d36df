import { ChartbridgeError } from '../errors.ts';

/** The endpoints and capabilities chartbridge needs from one EHR, normalised from its discovery document. */
export interface SmartConfiguration {
  fhirBase: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  introspectionEndpoint: string | undefined;
  revocationEndpoint: string | undefined;
  jwksUri: string | undefined;
  /** RFC 9207: when true, a callback without `iss` is refused. */
  issParameterSupported: boolean;
  capabilities: string[];
  /** `scopes_supported` as listed (empty when absent): which resource scopes the server offers. */
  scopesSupported: string[];
}

const OAUTH_URIS_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

type Json = Record<string, unknown>;

const OAUTH_URI_NAMES: Record<string, string> = {
  authorize: 'authorization_endpoint',
  token: 'token_endpoint',
  revoke: 'revocation_endpoint',
  introspect: 'introspection_endpoint',
};

/** Normalises `.well-known/smart-configuration`; refuses endpoints off the FHIR base's origin (case 33). */
export function parseSmartConfiguration(fhirBase: string, document: unknown): SmartConfiguration {
  if (!isObject(document)) throw discoveryError(fhirBase, 'the document is not a JSON object');
  const authorizationEndpoint = requireUrl(fhirBase, document, 'authorization_endpoint');
  const tokenEndpoint = requireUrl(fhirBase, document, 'token_endpoint');
  const methods = document.code_challenge_methods_supported;
  if (Array.isArray(methods) && methods.length > 0 && !methods.includes('S256')) {
    throw discoveryError(fhirBase, "the server does not support PKCE 'S256'");
  }
  const configuration: SmartConfiguration = {
    fhirBase,
    issuer: optionalUrl(fhirBase, document, 'issuer') ?? deriveIssuer(tokenEndpoint),
    authorizationEndpoint,
    tokenEndpoint,
    introspectionEndpoint: optionalUrl(fhirBase, document, 'introspection_endpoint'),
    revocationEndpoint: optionalUrl(fhirBase, document, 'revocation_endpoint'),
    jwksUri: optionalUrl(fhirBase, document, 'jwks_uri'),
    issParameterSupported: document.authorization_response_iss_parameter_supported === true,
    capabilities: Array.isArray(document.capabilities)
      ? document.capabilities.filter((c): c is string => typeof c === 'string')
      : [],
    scopesSupported: Array.isArray(document.scopes_supported)
      ? document.scopes_supported.filter((c): c is string => typeof c === 'string')
      : [],
  };
  assertSameOrigin(configuration);
  return configuration;
}

/** Normalises the `oauth-uris` extension of a CapabilityStatement (`{fhirBase}/metadata`), the older form. */
export function parseCapabilityStatement(fhirBase: string, statement: unknown): SmartConfiguration {
  const security =
    isObject(statement) && Array.isArray(statement.rest) ? statement.rest[0]?.security : undefined;
  const extensions: unknown[] =
    isObject(security) && Array.isArray(security.extension) ? security.extension : [];
  const oauth = extensions.find((e) => isObject(e) && e.url === OAUTH_URIS_EXTENSION);
  if (!isObject(oauth) || !Array.isArray(oauth.extension)) {
    throw discoveryError(
      fhirBase,
      'neither smart-configuration nor the metadata oauth-uris extension was found',
    );
  }
  const values: Json = {};
  for (const entry of oauth.extension) {
    if (isObject(entry) && typeof entry.url === 'string' && typeof entry.valueUri === 'string') {
      const key = OAUTH_URI_NAMES[entry.url] ?? `${entry.url}_endpoint`;
      values[key] = entry.valueUri;
    }
  }
  return parseSmartConfiguration(fhirBase, values);
}

/** Epic's issuer is `{server}/oauth2`: the token endpoint's parent path. */
function deriveIssuer(tokenEndpoint: string): string {
  const url = new URL(tokenEndpoint);
  url.pathname = url.pathname.replace(/\/[^/]*$/, '');
  url.search = '';
  return url.toString().replace(/\/$/, '');
}

function assertSameOrigin(configuration: SmartConfiguration): void {
  const origin = new URL(configuration.fhirBase).origin;
  const named: [string, string | undefined][] = [
    ['authorization_endpoint', configuration.authorizationEndpoint],
    ['token_endpoint', configuration.tokenEndpoint],
    ['introspection_endpoint', configuration.introspectionEndpoint],
    ['revocation_endpoint', configuration.revocationEndpoint],
    ['jwks_uri', configuration.jwksUri],
    ['issuer', configuration.issuer],
  ];
  for (const [name, value] of named) {
    if (value !== undefined && new URL(value).origin !== origin) {
      throw new ChartbridgeError(
        'ERR_ORIGIN_MISMATCH',
        `discovery for '${configuration.fhirBase}' puts '${name}' on another origin; refusing to use it (check the endpoint's fhir base)`,
      );
    }
  }
}

function requireUrl(fhirBase: string, document: Json, name: string): string {
  const value = optionalUrl(fhirBase, document, name);
  if (value === undefined) throw discoveryError(fhirBase, `'${name}' is missing`);
  return value;
}

function optionalUrl(fhirBase: string, document: Json, name: string): string | undefined {
  const value = document[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw discoveryError(fhirBase, `'${name}' is not an http(s) url`);
  }
  return value;
}

export function discoveryError(fhirBase: string, reason: string): ChartbridgeError {
  return new ChartbridgeError('ERR_DISCOVERY_FAILED', `discovery for '${fhirBase}' failed: ${reason}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
