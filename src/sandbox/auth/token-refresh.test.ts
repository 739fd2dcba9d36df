import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  expectOAuthError,
  startAuthHarness,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

describe('token endpoint: rolling refresh tokens', () => {
  it('rotates on every refresh, keeps the first end date and counts calls', async () => {
    harness = await startAuthHarness();
    const first = await harness.connect();
    const end = harness.sandbox.tokens.grants()[0]!.persistentEnd;
    assert.equal(end, harness.clock.now() + 90 * 86_400_000);
    harness.clock.advance(1_800_000);
    const response = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    });
    assert.equal(response.status, 200);
    const second = (await response.json()) as Record<string, unknown>;
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(second.patient, 'eA1.pat-1');
    assert.equal(second.id_token, undefined);
    const [grant] = harness.sandbox.tokens.grants();
    assert.equal(grant!.persistentEnd, end);
    assert.equal(grant!.refreshes, 1);
    assert.deepEqual(harness.sandbox.tokens.tokenEndpointCalls(), {
      authorization_code: 1,
      refresh_token: 1,
      other: 0,
    });
    assert.equal(harness.sandbox.tokens.refreshCallsFor(String(first.refresh_token)), 1);
    assert.equal(harness.sandbox.tokens.refreshCallsFor(String(second.refresh_token)), 0);
    // The access token issued before the refresh stays valid until it expires.
    assert.ok(harness.sandbox.tokens.lookupAccessToken(String(first.access_token)));
  });

  it('revokes the whole grant when a rotated refresh token is presented again', async () => {
    harness = await startAuthHarness();
    const first = await harness.connect();
    const rotated = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    });
    const second = (await rotated.json()) as Record<string, string>;
    const reuse = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    });
    await expectOAuthError(
      reuse,
      400,
      'invalid_grant',
      'the refresh token was already used; the grant is revoked',
    );
    assert.equal(harness.sandbox.tokens.lookupAccessToken(second.access_token!), undefined);
    assert.equal(harness.sandbox.tokens.lookupAccessToken(String(first.access_token)), undefined);
    const next = await harness.token({ grant_type: 'refresh_token', refresh_token: second.refresh_token! });
    await expectOAuthError(
      next,
      400,
      'invalid_grant',
      'the refresh token was revoked; the patient must authorize again',
    );
    assert.equal(harness.sandbox.tokens.grants()[0]!.revokedReason, 'rotated refresh token reused');
    assert.equal(harness.sandbox.tokens.refreshCallsFor(String(first.refresh_token)), 2);
  });

  it('lets a rotated refresh token work inside --grace-seconds, then revokes on reuse after it', async () => {
    harness = await startAuthHarness({ graceSeconds: 30 });
    const first = await harness.connect();
    const refresh = { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) };
    assert.equal((await harness.token(refresh)).status, 200);
    harness.clock.advance(10_000);
    assert.equal((await harness.token(refresh)).status, 200);
    harness.clock.advance(21_000);
    await expectOAuthError(await harness.token(refresh), 400, 'invalid_grant');
    assert.equal(harness.sandbox.tokens.grants()[0]!.active, false);
  });

  it('ends refresh with the chosen persistent-access period', async () => {
    harness = await startAuthHarness({ autoApprovePeriod: '1h' });
    const first = await harness.connect();
    harness.clock.advance(3_600_000);
    const response = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    });
    await expectOAuthError(
      response,
      400,
      'invalid_grant',
      'persistent access has ended; the patient must authorize again',
    );
  });

  it('rejects a refresh token of another client, an unknown one and wider scopes', async () => {
    harness = await startAuthHarness();
    const first = await harness.connect();
    const refresh = { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) };
    await expectOAuthError(
      await harness.token({ ...refresh, scope: 'patient/Condition.read' }),
      400,
      'invalid_scope',
    );
    harness.sandbox.clients.register({ ...harness.client, clientId: 'other-client' });
    const assertion = await harness.assertion({ claims: { iss: 'other-client', sub: 'other-client' } });
    await expectOAuthError(
      await harness.token(refresh, assertion),
      400,
      'invalid_grant',
      'the refresh token belongs to another client',
    );
    await expectOAuthError(
      await harness.token({ ...refresh, refresh_token: 'nope' }),
      400,
      'invalid_grant',
      'the refresh token is invalid',
    );
    assert.equal((await harness.token(refresh)).status, 200);
  });

  it('makes test controls visible to the connector: revoked grants, dead access tokens, short-lived tokens', async () => {
    harness = await startAuthHarness({ accessTokenTtlSeconds: 60 });
    const first = await harness.connect();
    assert.equal(first.expires_in, 60);
    assert.equal(harness.sandbox.tokens.revokeAccessTokens({ patientId: 'eA1.pat-1' }), 1);
    assert.equal(harness.sandbox.tokens.lookupAccessToken(String(first.access_token)), undefined);
    harness.sandbox.tokens.setAccessTokenTtl(5);
    const refreshed = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    });
    const body = (await refreshed.json()) as Record<string, unknown>;
    assert.equal(body.expires_in, 5);
    harness.clock.advance(5_000);
    assert.equal(harness.sandbox.tokens.lookupAccessToken(String(body.access_token)), undefined);
    assert.equal(harness.sandbox.tokens.revokeGrants({ clientId: harness.client.clientId }), 1);
    const after = await harness.token({
      grant_type: 'refresh_token',
      refresh_token: String(body.refresh_token),
    });
    await expectOAuthError(after, 400, 'invalid_grant');
  });
});
