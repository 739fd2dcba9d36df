import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  codeGrant,
  expectOAuthError,
  startAuthHarness,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import { createPkcePair, createTestClientKey } from '../../testing/sandbox/auth-test-kit.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

describe('token endpoint: authorization code', () => {
  it('answers like Epic: Bearer token, trailing-space scope without offline_access, patient ids, id_token', async () => {
    harness = await startAuthHarness();
    const body = await harness.connect({ nonce: 'n-123' });
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.scope, 'openid fhirUser launch/patient patient/Patient.read patient/Observation.read ');
    assert.equal(body.patient, 'eA1.pat-1');
    assert.match(String(body['__epic.dstu2.patient']), /^T[\w-]{30}B$/);
    assert.equal(typeof body.refresh_token, 'string');
    assert.ok(String(body.access_token).length > 200);
    const info = harness.sandbox.tokens.lookupAccessToken(String(body.access_token));
    assert.deepEqual(
      { ...info, expiresAt: undefined },
      {
        clientId: harness.client.clientId,
        orgId: 'org-a',
        patientId: 'eA1.pat-1',
        scopes: [
          'openid',
          'fhirUser',
          'launch/patient',
          'offline_access',
          'patient/Patient.read',
          'patient/Observation.read',
        ],
        expiresAt: undefined,
      },
    );
    const { payload, protectedHeader } = await jwtVerify(
      String(body.id_token),
      createRemoteJWKSet(new URL(harness.urls.jwks)),
      {
        issuer: harness.urls.issuer,
        audience: harness.client.clientId,
        currentDate: new Date(harness.clock.now()),
      },
    );
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, 'eA1.pat-1');
    assert.equal(payload.fhirUser, `${harness.urls.fhirBase}/Patient/eA1.pat-1`);
    assert.equal(payload.nonce, 'n-123');
  });

  it('picks the patient from login_hint and gives no refresh token without offline_access', async () => {
    harness = await startAuthHarness();
    const body = await harness.connect({
      login_hint: 'bobbeta',
      scope: 'launch/patient patient/Patient.read',
    });
    assert.equal(body.patient, 'eA1.pat-2');
    assert.equal(body.refresh_token, undefined);
    assert.equal(body.id_token, undefined);
  });

  it('accepts an ES384 client key, and refuses an assertion whose alg differs from the key alg', async () => {
    harness = await startAuthHarness();
    const ec = await createTestClientKey('ES384');
    harness.jwks.keys = [ec];
    harness.key = ec;
    assert.equal(decodeProtectedHeader(await harness.assertion()).alg, 'ES384');
    const body = await harness.connect();
    assert.equal(body.patient, 'eA1.pat-1');
    harness.jwks.keys = [{ ...ec, publicJwk: { ...ec.publicJwk, alg: 'ES256' } }];
    harness.sandbox.tokens.resetCounters();
    harness.clock.advance(300_000);
    const refresh = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(body.refresh_token),
    });
    await expectOAuthError(
      refresh,
      401,
      'invalid_client',
      'the client assertion alg differs from its key alg',
    );
  });

  it('revokes what a code issued when the code is replayed', async () => {
    harness = await startAuthHarness();
    const { query, verifier } = await harness.authorize();
    const first = await harness.token(codeGrant(query.get('code')!, verifier));
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    const replay = await harness.token(codeGrant(query.get('code')!, verifier));
    await expectOAuthError(
      replay,
      400,
      'invalid_grant',
      'the authorization code was already used; its tokens are revoked',
    );
    assert.equal(harness.sandbox.tokens.lookupAccessToken(tokens.access_token), undefined);
    const refresh = await harness.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    await expectOAuthError(refresh, 400, 'invalid_grant');
    assert.equal(harness.sandbox.tokens.grants()[0]?.revokedReason, 'authorization code replayed');
  });

  it('rejects a PKCE mismatch and burns the code', async () => {
    harness = await startAuthHarness();
    const { query, verifier } = await harness.authorize();
    const wrong = await harness.token(codeGrant(query.get('code')!, createPkcePair().verifier));
    await expectOAuthError(
      wrong,
      400,
      'invalid_grant',
      'code_verifier does not match the code_challenge (S256)',
    );
    const retry = await harness.token(codeGrant(query.get('code')!, verifier));
    await expectOAuthError(
      retry,
      400,
      'invalid_grant',
      'the authorization code was already used; its tokens are revoked',
    );
  });

  it('rejects a missing or malformed code_verifier without burning the code', async () => {
    harness = await startAuthHarness();
    const { query, verifier } = await harness.authorize();
    const grant = codeGrant(query.get('code')!, verifier);
    const missing = await harness.token({ ...grant, code_verifier: '' });
    await expectOAuthError(missing, 400, 'invalid_request', 'parameter "code_verifier" is required');
    const short = await harness.token({ ...grant, code_verifier: 'abc' });
    await expectOAuthError(
      short,
      400,
      'invalid_request',
      'code_verifier must be 43 to 128 unreserved characters',
    );
    assert.equal((await harness.token(grant)).status, 200);
  });

  it('rejects another redirect_uri, an expired code, an unknown code and a code from another organisation', async () => {
    harness = await startAuthHarness();
    let { query, verifier } = await harness.authorize();
    const other = await harness.token({
      ...codeGrant(query.get('code')!, verifier),
      redirect_uri: 'http://127.0.0.1:9/cb',
    });
    await expectOAuthError(
      other,
      400,
      'invalid_grant',
      'redirect_uri differs from the one in the authorization request',
    );
    ({ query, verifier } = await harness.authorize());
    harness.clock.advance(121_000);
    const expired = await harness.token(codeGrant(query.get('code')!, verifier));
    await expectOAuthError(expired, 400, 'invalid_grant', 'the authorization code has expired');
    const unknown = await harness.token(codeGrant('x'.repeat(300), verifier));
    await expectOAuthError(unknown, 400, 'invalid_grant', 'the authorization code is invalid');
    ({ query, verifier } = await harness.authorize());
    const orgB = harness.sandbox.orgUrls('org-b');
    const { postForm, createAssertionParams } = await import('../../testing/sandbox/auth-test-kit.ts');
    const assertion = await harness.assertion({ aud: orgB.token });
    const elsewhere = await postForm(orgB.token, {
      ...codeGrant(query.get('code')!, verifier),
      ...createAssertionParams(assertion),
    });
    await expectOAuthError(elsewhere, 400, 'invalid_grant', 'the authorization code was issued elsewhere');
  });

  it('rejects a code redeemed by another registered client', async () => {
    harness = await startAuthHarness();
    harness.sandbox.clients.register({ ...harness.client, clientId: 'other-client' });
    const { query, verifier } = await harness.authorize();
    const assertion = await harness.assertion({ claims: { iss: 'other-client', sub: 'other-client' } });
    const response = await harness.token(codeGrant(query.get('code')!, verifier), assertion);
    await expectOAuthError(
      response,
      400,
      'invalid_grant',
      'the authorization code was issued to another client',
    );
  });

  it('rejects bad grant types and bad request encodings', async () => {
    harness = await startAuthHarness();
    await expectOAuthError(await harness.token({ grant_type: 'password' }), 400, 'unsupported_grant_type');
    await expectOAuthError(
      await harness.token({}),
      400,
      'invalid_request',
      'parameter "grant_type" is required',
    );
    const json = await fetch(harness.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    await expectOAuthError(
      json,
      400,
      'invalid_request',
      'the request body must be application/x-www-form-urlencoded',
    );
    const repeated = await fetch(harness.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&grant_type=authorization_code',
    });
    await expectOAuthError(repeated, 400, 'invalid_request', 'parameter "grant_type" is repeated');
    assert.deepEqual(harness.sandbox.tokens.tokenEndpointCalls(), {
      authorization_code: 0,
      refresh_token: 0,
      other: 2,
    });
  });
});
