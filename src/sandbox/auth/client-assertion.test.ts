import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  expectOAuthError,
  startAuthHarness,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import { createTestAssertion, createTestClientKey, postForm } from '../../testing/sandbox/auth-test-kit.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

const refreshGrant = { grant_type: 'refresh_token', refresh_token: 'irrelevant' };

/** Sends a refresh with the given assertion; authentication fails before the refresh token is looked at. */
async function expectRejected(assertion: string, description: string): Promise<void> {
  await expectOAuthError(await harness.token(refreshGrant, assertion), 401, 'invalid_client', description);
}

describe('client assertion (private_key_jwt)', () => {
  it('rejects every claim Epic is strict about with 401 invalid_client', async () => {
    harness = await startAuthHarness();
    const now = Math.floor(harness.clock.now() / 1000);
    const cases: [Parameters<AuthHarness['assertion']>[0], string][] = [
      [
        { aud: [harness.urls.token] },
        'the client assertion aud must be exactly the token endpoint url, as a single string',
      ],
      [
        { aud: harness.urls.issuer },
        'the client assertion aud must be exactly the token endpoint url, as a single string',
      ],
      [
        { aud: harness.sandbox.orgUrls('org-b').token },
        'the client assertion aud must be exactly the token endpoint url, as a single string',
      ],
      [{ claims: { exp: undefined } }, 'the client assertion claim "exp" is invalid'],
      [{ claims: { exp: now - 1 } }, 'the client assertion has expired'],
      [
        { claims: { iat: now, exp: now + 301 } },
        'the client assertion exp must be at most 5 minutes after it is issued',
      ],
      [
        { claims: { iat: undefined, exp: now + 600 } },
        'the client assertion exp must be at most 5 minutes after it is issued',
      ],
      [{ claims: { iat: now + 120, exp: now + 200 } }, 'the client assertion iat is in the future'],
      [{ claims: { jti: undefined } }, 'the client assertion claim "jti" is invalid'],
      [
        { claims: { jti: 'j'.repeat(152) } },
        'the client assertion jti must be a string of 1 to 151 characters',
      ],
      [{ claims: { sub: 'someone-else' } }, 'the client assertion iss and sub must be the client id'],
      [{ claims: { iss: 'unknown-client' } }, 'the client assertion iss is not a registered client id'],
      [{ header: { typ: undefined } }, 'the client assertion header must have typ "JWT"'],
      [{ header: { typ: 'at+jwt' } }, 'the client assertion header must have typ "JWT"'],
      [{ header: { kid: 'unknown-kid' } }, 'no key in the client jwk set has the client assertion kid'],
      [{ header: { kid: undefined } }, 'the client assertion header needs a kid'],
      [
        { header: { jku: 'http://127.0.0.1:9/other-jwks.json' } },
        'the client assertion jku is not the registered jwk set url',
      ],
    ];
    for (const [overrides, description] of cases) {
      await expectRejected(await harness.assertion(overrides), description).catch((error: Error) => {
        throw new Error(`case ${JSON.stringify(overrides)}: ${error.message}`);
      });
    }
    assert.equal(harness.sandbox.tokens.tokenEndpointCalls().refresh_token, cases.length);
  });

  it('accepts a 151-character jti and rejects its replay', async () => {
    harness = await startAuthHarness();
    const assertion = await harness.assertion({ claims: { jti: 'j'.repeat(151) } });
    await expectOAuthError(await harness.token(refreshGrant, assertion), 400, 'invalid_grant');
    await expectRejected(assertion, 'the client assertion jti was already used; send a fresh jti every time');
  });

  it('rejects a signature by a key that is not in the JWKS under a known kid', async () => {
    harness = await startAuthHarness();
    const impostor = { ...(await createTestClientKey()), kid: harness.key.kid };
    const assertion = await createTestAssertion({
      key: impostor,
      clientId: harness.client.clientId,
      aud: harness.urls.token,
      now: harness.clock.now(),
    });
    await expectRejected(assertion, 'the client assertion signature is invalid');
  });

  it('rejects missing, mistyped, secret-based and unparsable client authentication', async () => {
    harness = await startAuthHarness();
    const missing = await postForm(harness.urls.token, refreshGrant);
    await expectOAuthError(
      missing,
      401,
      'invalid_client',
      'client authentication is required: send client_assertion_type and client_assertion',
    );
    const assertion = await harness.assertion();
    const wrongType = await postForm(harness.urls.token, {
      ...refreshGrant,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: assertion,
    });
    await expectOAuthError(wrongType, 401, 'invalid_client');
    const secret = await harness.token({ ...refreshGrant, client_secret: 'hunter2' });
    await expectOAuthError(
      secret,
      401,
      'invalid_client',
      'only private_key_jwt client authentication is accepted',
    );
    await expectRejected('not-a-jwt', 'the client assertion is not a signed jwt');
    const mismatch = await harness.token({ ...refreshGrant, client_id: 'another' });
    await expectOAuthError(
      mismatch,
      401,
      'invalid_client',
      'client_id does not match the client assertion iss',
    );
  });

  it('answers invalid_client when the JWK Set URL cannot be fetched', async () => {
    harness = await startAuthHarness();
    harness.jwks.failWith = 503;
    await expectRejected(await harness.assertion(), 'the client jwk set url answered 503 without a jwk set');
    harness.sandbox.clients.update(harness.client.clientId, { jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    await expectRejected(await harness.assertion(), 'the client jwk set url could not be fetched');
  });
});

describe('client JWK Set cache', () => {
  it('honours Cache-Control max-age', async () => {
    harness = await startAuthHarness();
    harness.jwks.cacheControl = 'public, max-age=120';
    for (let i = 0; i < 3; i += 1) {
      await expectOAuthError(await harness.token(refreshGrant), 400, 'invalid_grant');
    }
    assert.equal(harness.jwks.fetches(), 1);
    harness.clock.advance(119_000);
    await expectOAuthError(await harness.token(refreshGrant), 400, 'invalid_grant');
    assert.equal(harness.jwks.fetches(), 1);
    harness.clock.advance(1_000);
    await expectOAuthError(await harness.token(refreshGrant), 400, 'invalid_grant');
    assert.equal(harness.jwks.fetches(), 2);
    assert.equal(harness.sandbox.tokens.jwksFetches(harness.jwks.url), 2);
  });

  it('refetches on every request when told no-store', async () => {
    harness = await startAuthHarness();
    harness.jwks.cacheControl = 'no-store';
    await harness.token(refreshGrant);
    await harness.token(refreshGrant);
    assert.equal(harness.jwks.fetches(), 2);
  });

  it('refetches for an unknown kid at most once a minute (key rotation)', async () => {
    harness = await startAuthHarness();
    harness.jwks.cacheControl = 'max-age=86400';
    await expectOAuthError(await harness.token(refreshGrant), 400, 'invalid_grant');
    const rotated = await createTestClientKey('RS384');
    harness.jwks.keys.push(rotated);
    const signWithNewKey = () =>
      createTestAssertion({
        key: rotated,
        clientId: harness.client.clientId,
        aud: harness.urls.token,
        now: harness.clock.now(),
      });
    await expectRejected(await signWithNewKey(), 'no key in the client jwk set has the client assertion kid');
    assert.equal(harness.jwks.fetches(), 1);
    harness.clock.advance(60_000);
    await expectOAuthError(await harness.token(refreshGrant, await signWithNewKey()), 400, 'invalid_grant');
    assert.equal(harness.jwks.fetches(), 2);
    await expectRejected(
      await harness.assertion({ header: { kid: 'still-unknown' } }),
      'no key in the client jwk set has the client assertion kid',
    );
    assert.equal(harness.jwks.fetches(), 2);
  });
});
