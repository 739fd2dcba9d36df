import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  expectOAuthError,
  startAuthHarness,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import { createAssertionParams, postForm } from '../../testing/sandbox/auth-test-kit.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

async function introspect(token: string, aud = harness.urls.introspect): Promise<Record<string, unknown>> {
  const assertion = await harness.assertion({ aud });
  const response = await postForm(harness.urls.introspect, { token, ...createAssertionParams(assertion) });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

async function revoke(token: string): Promise<Response> {
  const assertion = await harness.assertion({ aud: harness.urls.revoke });
  return postForm(harness.urls.revoke, { token, ...createAssertionParams(assertion) });
}

describe('introspection', () => {
  it('describes access and refresh tokens; the refresh exp is the end of persistent access', async () => {
    harness = await startAuthHarness({ autoApprovePeriod: '1y' });
    const now = harness.clock.now();
    const tokens = await harness.connect();
    const access = await introspect(String(tokens.access_token));
    assert.deepEqual(access, {
      active: true,
      token_type: 'Bearer',
      scope: 'openid fhirUser launch/patient offline_access patient/Patient.read patient/Observation.read',
      client_id: harness.client.clientId,
      iss: harness.urls.issuer,
      sub: 'eA1.pat-1',
      patient: 'eA1.pat-1',
      fhirUser: `${harness.urls.fhirBase}/Patient/eA1.pat-1`,
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 3600,
    });
    const refresh = await introspect(String(tokens.refresh_token), harness.urls.token);
    assert.equal(refresh.active, true);
    assert.equal(refresh.token_type, 'refresh_token');
    assert.equal(refresh.exp, Math.floor((now + 365 * 86_400_000) / 1000));
  });

  it('reports rotated, revoked, unknown and foreign tokens as inactive', async () => {
    harness = await startAuthHarness();
    const tokens = await harness.connect();
    await harness.token({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    assert.deepEqual(await introspect(String(tokens.refresh_token)), { active: false });
    assert.deepEqual(await introspect('unknown-token'), { active: false });
    harness.sandbox.clients.register({ ...harness.client, clientId: 'other-client' });
    const assertion = await harness.assertion({
      aud: harness.urls.introspect,
      claims: { iss: 'other-client', sub: 'other-client' },
    });
    const foreign = await postForm(harness.urls.introspect, {
      token: String(tokens.access_token),
      ...createAssertionParams(assertion),
    });
    assert.deepEqual(await foreign.json(), { active: false });
    harness.sandbox.tokens.revokeGrants();
    assert.deepEqual(await introspect(String(tokens.access_token)), { active: false });
  });

  it('requires client authentication and a token', async () => {
    harness = await startAuthHarness();
    const anonymous = await postForm(harness.urls.introspect, { token: 'x' });
    await expectOAuthError(anonymous, 401, 'invalid_client');
    const assertion = await harness.assertion({ aud: harness.urls.introspect });
    const missing = await postForm(harness.urls.introspect, createAssertionParams(assertion));
    await expectOAuthError(missing, 400, 'invalid_request', 'parameter "token" is required');
    const wrongAud = await harness.assertion({ aud: harness.urls.revoke });
    const response = await postForm(harness.urls.introspect, {
      token: 'x',
      ...createAssertionParams(wrongAud),
    });
    await expectOAuthError(response, 401, 'invalid_client');
  });
});

describe('revocation', () => {
  it('revoking a refresh token ends the grant', async () => {
    harness = await startAuthHarness();
    const tokens = await harness.connect();
    const response = await revoke(String(tokens.refresh_token));
    assert.equal(response.status, 200);
    assert.equal(harness.sandbox.tokens.lookupAccessToken(String(tokens.access_token)), undefined);
    const refresh = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
    });
    await expectOAuthError(refresh, 400, 'invalid_grant');
    assert.equal(harness.sandbox.tokens.grants()[0]!.revokedReason, 'revoked by client');
  });

  it('revoking an access token ends only that token; unknown tokens answer 200', async () => {
    harness = await startAuthHarness();
    const tokens = await harness.connect();
    assert.equal((await revoke(String(tokens.access_token))).status, 200);
    assert.equal(harness.sandbox.tokens.lookupAccessToken(String(tokens.access_token)), undefined);
    const refresh = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
    });
    assert.equal(refresh.status, 200);
    assert.equal((await revoke('never-issued')).status, 200);
    await expectOAuthError(await postForm(harness.urls.revoke, { token: 'x' }), 401, 'invalid_client');
  });
});
