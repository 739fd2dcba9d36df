import { systemClock } from '../clock.ts';
import { randomToken } from '../crypto/random.ts';
import { createClientAssertion } from '../keys/client-assertion.ts';
import type { KeyStore } from '../keys/key-store.ts';
import type { DoctorCheck } from './doctor-checks.ts';

/** Deliberately not a code any EHR issued: the answer tells whether client authentication passed. */
const PROBE_CODE = 'chartbridge-doctor-probe-not-a-real-code';

export interface TokenProbeInput {
  name: string;
  tokenEndpoint: string;
  clientId: string;
  redirectUri: string;
  jwksUrl: string;
  keys: KeyStore;
  /** Whether our JWKS answered at the public URL with the active key (the jwks check). */
  jwksServed: boolean;
  fetch: typeof fetch;
}

/**
 * Proves client authentication the only way that counts: a real authorization_code request with a signed client
 * assertion and an invalid code. The EHR checks the client before the grant (Epic does), so `invalid_grant`
 * means it verified our assertion against our JWKS, and `invalid_client` means it could not.
 */
export async function probeTokenEndpoint(input: TokenProbeInput): Promise<DoctorCheck> {
  const name = `${input.name} client authentication`;
  const assertion = await createClientAssertion({
    key: input.keys.activeKey(),
    clientId: input.clientId,
    tokenEndpoint: input.tokenEndpoint,
    clock: systemClock,
  });
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: PROBE_CODE,
    redirect_uri: input.redirectUri,
    code_verifier: randomToken(32),
    client_id: input.clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  let status: number;
  let error: string;
  let description: string;
  try {
    const response = await input.fetch(input.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    status = response.status;
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    error = typeof json.error === 'string' ? json.error.slice(0, 60) : '';
    description = typeof json.error_description === 'string' ? json.error_description.slice(0, 200) : '';
  } catch {
    return {
      name,
      status: 'fail',
      detail: `${input.tokenEndpoint} is unreachable: check the host name and outbound network`,
    };
  }
  const says = description ? ` (the EHR says: ${description})` : '';
  if (error === 'invalid_grant') {
    return {
      name,
      status: 'ok',
      detail: `${input.tokenEndpoint} accepted our signed client assertion for client id ${input.clientId} (invalid_grant for a deliberately invalid code)`,
    };
  }
  if (error === 'invalid_client') return { name, status: 'fail', detail: explainInvalidClient(input) + says };
  if (status >= 500) {
    return {
      name,
      status: 'fail',
      detail: `${input.tokenEndpoint} answered http ${status}: the EHR is having trouble; retry later`,
    };
  }
  return {
    name,
    status: 'warn',
    detail: `${input.tokenEndpoint} answered http ${status} ${error || 'without an oauth error'}${says}: expected invalid_grant; check the client id and redirect uri registration`,
  };
}

/** invalid_client has two usual causes; what we saw of our own JWKS says which one applies. */
function explainInvalidClient(input: TokenProbeInput): string {
  const rejected = `${input.tokenEndpoint} rejected our client assertion for client id ${input.clientId} (invalid_client)`;
  if (!input.jwksServed) {
    return `${rejected}: jwks not fetchable: ${input.jwksUrl} does not serve the active key; start 'chartbridge serve' there and make it reachable from the EHR`;
  }
  if (isLocalUrl(input.jwksUrl) && !isLocalUrl(input.tokenEndpoint)) {
    return `${rejected}: jwks not fetchable: ${input.jwksUrl} is a local address the EHR cannot reach; set CHARTBRIDGE_PUBLIC_URL to a public https url and register that jwks url`;
  }
  return `${rejected}: key not yet propagated: ${input.jwksUrl} serves key ${input.keys.activeKey().kid}, but the EHR has not picked it up (Epic can take up to an hour after a registration or key change) or the client id is registered with another jwks url; check the registration and run doctor again later`;
}

function isLocalUrl(url: string): boolean {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+)$/.test(host);
}
