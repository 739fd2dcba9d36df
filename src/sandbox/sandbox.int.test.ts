import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  createPkcePair,
  createTinyDataStore,
  createTestAssertion,
  createTestClientKey,
  createAssertionParams,
  postForm,
  startTestJwksServer,
  type TestJwksServer,
} from '../testing/sandbox/auth-test-kit.ts';
import { createLogger } from '../log/logger.ts';
import { startSandbox, type Sandbox } from './sandbox.ts';

const redirectUri = 'http://127.0.0.1:9/callback';
let sandbox: Sandbox | undefined;
let jwks: TestJwksServer | undefined;
afterEach(async () => {
  await sandbox?.close();
  await jwks?.close();
});

/** Auto-approved launch for the first patient of an organisation, code exchanged for tokens. */
async function connect(
  orgId: string,
  key: Awaited<ReturnType<typeof createTestClientKey>>,
): Promise<{ tokens: Record<string, string>; secrets: string[] }> {
  const urls = sandbox!.orgUrls(orgId);
  const pkce = createPkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'connector',
    redirect_uri: redirectUri,
    scope: 'openid fhirUser launch/patient offline_access patient/Patient.read',
    state: 'state-1',
    aud: urls.fhirBase,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  });
  const authorize = await fetch(`${urls.authorize}?${query}`, { redirect: 'manual' });
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
  const assertion = await createTestAssertion({
    key,
    clientId: 'connector',
    aud: urls.token,
    now: Date.now(),
  });
  const response = await postForm(urls.token, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
    ...createAssertionParams(assertion),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as Record<string, string>;
  return {
    tokens: body,
    secrets: [code, pkce.verifier, assertion, body.access_token!, body.refresh_token!, body.id_token!],
  };
}

describe('startSandbox', () => {
  it('serves fixture patients through the FHIR server to tokens the authorization server issued', async () => {
    const key = await createTestClientKey();
    jwks = await startTestJwksServer([key]);
    let logged = '';
    const destination = { write: (line: string) => (logged += line) };
    sandbox = await startSandbox({
      autoApprove: true,
      clients: [{ clientId: 'connector', jwksUrl: jwks.url, redirectUris: [redirectUri], grantedApis: [] }],
      log: createLogger({ level: 'debug', destination }),
    });
    const orgs = sandbox.orgs();
    assert.ok(orgs.length >= 2);
    assert.equal(orgs[0]!.fhirBase, `${sandbox.url}/${orgs[0]!.id}/api/FHIR/R4`);
    assert.equal(orgs[0]!.issuer, `${sandbox.url}/${orgs[0]!.id}/oauth2`);
    const { tokens, secrets } = await connect(orgs[0]!.id, key);
    const read = (token: string) =>
      fetch(`${orgs[0]!.fhirBase}/Patient/${tokens.patient}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const patient = await read(tokens.access_token!);
    assert.equal(patient.status, 200);
    assert.equal(((await patient.json()) as { id: string }).id, tokens.patient);
    sandbox.tokens.revokeAccessTokens();
    assert.equal((await read(tokens.access_token!)).status, 401);
    const reads = sandbox.requestLog.entries().filter((entry) => entry.url.includes('/Patient/'));
    assert.deepEqual(
      reads.map((entry) => [entry.bearer, entry.status]),
      [
        [true, 200],
        [true, 401],
      ],
    );
    const config = await fetch(`${orgs[0]!.fhirBase}/.well-known/smart-configuration`);
    assert.equal(
      ((await config.json()) as { token_endpoint: string }).token_endpoint,
      `${orgs[0]!.issuer}/token`,
    );
    const recorded = JSON.stringify(sandbox.requestLog.entries()) + logged;
    assert.ok(logged.includes('sandbox listening'));
    for (const secret of secrets) assert.equal(recorded.includes(secret), false);
  });

  it('serves organisation n on 127.0.0.(n+1) with distinctHosts', async () => {
    sandbox = await startSandbox({ distinctHosts: true });
    const [first, second] = sandbox.orgs();
    assert.equal(new URL(first!.fhirBase).hostname, '127.0.0.1');
    assert.equal(new URL(second!.fhirBase).hostname, '127.0.0.2');
    const config = await fetch(`${second!.fhirBase}/.well-known/smart-configuration`);
    assert.equal(config.status, 200);
    assert.equal(((await config.json()) as { issuer: string }).issuer, second!.issuer);
  });

  it('refuses a port in use with one clear error', async () => {
    const data = createTinyDataStore();
    sandbox = await startSandbox({ data });
    await assert.rejects(startSandbox({ data, port: sandbox.port }), {
      code: 'ERR_CONFLICT',
      message: `sandbox port ${sandbox.port} on 127.0.0.1 is already in use: pick another --port`,
    });
  });
});
