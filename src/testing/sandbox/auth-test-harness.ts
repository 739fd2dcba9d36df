import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createManualClock } from '../../clock.ts';
import type { SandboxClient } from '../../sandbox/model.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/sandbox.ts';
import {
  createAssertionParams,
  createPkcePair,
  createTestAssertion,
  createTestClientKey,
  createTinyDataStore,
  postForm,
  startTestJwksServer,
  type TestClientKey,
  type TestJwksServer,
} from './auth-test-kit.ts';
import type { OrgUrls } from '../../sandbox/auth/org-urls.ts';

export const testRedirectUri = 'http://127.0.0.1:9/callback';
export const testScope =
  'openid fhirUser launch/patient offline_access patient/Patient.read patient/Observation.read';

export interface AuthHarness {
  sandbox: Sandbox;
  clock: ReturnType<typeof createManualClock>;
  key: TestClientKey;
  jwks: TestJwksServer;
  client: SandboxClient;
  urls: OrgUrls;
  /** A fresh, valid assertion for `aud` (default: the token URL) with optional overrides. */
  assertion(opts?: {
    aud?: string | string[];
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
  }): Promise<string>;
  /** Runs authorize (auto-approve) and returns the redirect's query parameters plus the PKCE verifier. */
  authorize(params?: Record<string, string>): Promise<{ query: URLSearchParams; verifier: string }>;
  /** Token request with a fresh assertion; `params` are the grant's own. */
  token(params: Record<string, string>, assertion?: string): Promise<Response>;
  /** authorize + code exchange; returns the token response body. */
  connect(params?: Record<string, string>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A sandbox with the tiny data store, one registered client and its JWKS server, on 127.0.0.1 port 0. */
export async function startAuthHarness(options: Partial<SandboxOptions> = {}): Promise<AuthHarness> {
  const clock = createManualClock(Date.now());
  const key = await createTestClientKey();
  const jwks = await startTestJwksServer([key]);
  const client = {
    clientId: `client-${randomUUID()}`,
    jwksUrl: jwks.url,
    redirectUris: [testRedirectUri],
    grantedApis: [],
  };
  const sandbox = await startSandbox({
    data: createTinyDataStore(),
    clients: [client],
    clock,
    autoApprove: true,
    ...options,
  });
  const harness: AuthHarness = {
    sandbox,
    clock,
    key,
    jwks,
    client,
    urls: sandbox.orgUrls('org-a'),
    // Methods read the harness fields, so a test can swap the key or the organisation.
    assertion: (opts = {}) =>
      createTestAssertion({
        key: harness.key,
        clientId: client.clientId,
        aud: opts.aud ?? harness.urls.token,
        now: clock.now(),
        ...opts,
      }),
    authorize: (params = {}) => authorizeWithHarness(harness, params),
    token: async (params, assertion) =>
      postForm(harness.urls.token, {
        ...params,
        ...createAssertionParams(assertion ?? (await harness.assertion())),
      }),
    connect: (params = {}) => connectWithHarness(harness, params),
    async close() {
      await sandbox.close();
      await jwks.close();
    },
  };
  return harness;
}

async function authorizeWithHarness(
  harness: AuthHarness,
  params: Record<string, string>,
): Promise<{ query: URLSearchParams; verifier: string }> {
  const pkce = createPkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: harness.client.clientId,
    redirect_uri: testRedirectUri,
    scope: testScope,
    state: randomUUID(),
    aud: harness.urls.fhirBase,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  const response = await fetch(`${harness.urls.authorize}?${query}`, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`authorize answered ${response.status}`);
  return { query: new URL(location).searchParams, verifier: pkce.verifier };
}

async function connectWithHarness(harness: AuthHarness, params: Record<string, string>) {
  const { query, verifier } = await harness.authorize(params);
  const response = await harness.token(codeGrant(query.get('code') ?? '', verifier));
  if (response.status !== 200) throw new Error(`token answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Asserts an RFC 6749 error answer: status, `error`, optionally the exact description, and no caching. */
export async function expectOAuthError(
  response: Response,
  status: number,
  error: string,
  description?: string,
): Promise<void> {
  const body = (await response.json()) as { error: string; error_description: string };
  assert.equal(response.status, status, `status for ${body.error}: ${body.error_description}`);
  assert.equal(body.error, error);
  if (description !== undefined) assert.equal(body.error_description, description);
  assert.equal(response.headers.get('cache-control'), 'no-store');
}

export function codeGrant(code: string, verifier: string): Record<string, string> {
  return { grant_type: 'authorization_code', code, redirect_uri: testRedirectUri, code_verifier: verifier };
}
