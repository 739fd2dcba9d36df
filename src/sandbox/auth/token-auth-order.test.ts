import { afterEach, describe, it } from 'node:test';
import {
  codeGrant,
  expectOAuthError,
  startAuthHarness,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import {
  createPkcePair,
  createTestAssertion,
  createTestClientKey,
} from '../../testing/sandbox/auth-test-kit.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

/** What `chartbridge doctor` sends: a well-formed code exchange whose code no one issued. */
const probe = () => codeGrant('chartbridge-doctor-probe-not-a-real-code', createPkcePair().verifier);

describe('token endpoint: client authentication comes before the grant, as at Epic', () => {
  it('a valid assertion with an invalid code is invalid_grant: the client was accepted', async () => {
    harness = await startAuthHarness();
    await expectOAuthError(await harness.token(probe()), 400, 'invalid_grant');
  });

  it('an assertion the client jwks cannot verify is invalid_client, whatever the grant says', async () => {
    harness = await startAuthHarness();
    const stranger = await createTestClientKey();
    const foreign = await createTestAssertion({
      key: stranger,
      clientId: harness.client.clientId,
      aud: harness.urls.token,
      now: harness.clock.now(),
    });
    const description = 'no key in the client jwk set has the client assertion kid';
    await expectOAuthError(await harness.token(probe(), foreign), 401, 'invalid_client', description);
    const grants: Array<Record<string, string>> = [
      { grant_type: 'authorization_code' },
      { grant_type: 'password' },
      {},
    ];
    for (const grant of grants) {
      const bad = await createTestAssertion({
        key: stranger,
        clientId: harness.client.clientId,
        aud: harness.urls.token,
        now: harness.clock.now(),
      });
      await expectOAuthError(await harness.token(grant, bad), 401, 'invalid_client', description);
    }
  });

  it('a jwks url that cannot be fetched is invalid_client, not invalid_grant', async () => {
    harness = await startAuthHarness();
    await harness.jwks.close();
    await expectOAuthError(
      await harness.token(probe()),
      401,
      'invalid_client',
      'the client jwk set url could not be fetched',
    );
  });
});
