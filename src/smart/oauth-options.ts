import * as oauth from 'oauth4webapi';

/** Everything the protocol steps need from the outside world, injected so tests can swap any part. */
export interface SmartTransport {
  fetch: typeof fetch;
  /** Per-request timeout; a hung EHR must not hold a refresh lease or a browser forever. */
  timeoutMs: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Plain http is accepted only for loopback hosts (local sandbox, tests); everything real must be https. */
export function isLoopbackUrl(url: string): boolean {
  const parsed = new URL(url);
  return LOOPBACK_HOSTS.has(parsed.hostname) || /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname);
}

export function assertSecureUrl(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && isLoopbackUrl(url);
}

/** oauth4webapi's view of one EHR, built only from stored or discovered endpoints (never from the callback). */
export function toAuthorizationServer(configuration: {
  issuer: string;
  tokenEndpoint: string;
  introspectionEndpoint?: string | null;
  revocationEndpoint?: string | null;
  issParameterSupported?: boolean;
}): oauth.AuthorizationServer {
  return {
    issuer: configuration.issuer,
    token_endpoint: configuration.tokenEndpoint,
    introspection_endpoint: configuration.introspectionEndpoint ?? undefined,
    revocation_endpoint: configuration.revocationEndpoint ?? undefined,
    authorization_response_iss_parameter_supported: configuration.issParameterSupported ?? false,
  };
}

/** Request options for one call to `url`: our fetch, a timeout, and http allowed only for loopback. */
export function toRequestOptions(
  url: string,
  transport: SmartTransport,
): { [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]: boolean; signal: AbortSignal } {
  return {
    [oauth.customFetch]: transport.fetch,
    [oauth.allowInsecureRequests]: isLoopbackUrl(url),
    signal: AbortSignal.timeout(transport.timeoutMs),
  };
}
