import type * as oauth from 'oauth4webapi';
import type { Clock } from '../clock.ts';
import type { ServerClocks } from './server-clock.ts';

/** Signs a private_key_jwt client assertion for one request: `aud` = the token endpoint as one string. */
export type SignAssertion = (input: {
  clientId: string;
  tokenEndpoint: string;
  /** The EHR's time as far as we know it (server-clock.ts): assertion times are checked on its clock. */
  clock: Clock;
}) => Promise<string>;

/**
 * oauth4webapi client authentication that mints a fresh assertion for every request, retries included
 * (docs/epic-facts.md §2). The audience is always the token endpoint pinned in `as`, never a URL from elsewhere (case 33).
 */
export function createAssertionClientAuth(
  signAssertion: SignAssertion,
  clocks: ServerClocks,
): oauth.ClientAuth {
  return async (as, client, body) => {
    if (!as.token_endpoint) throw new TypeError('the authorization server has no token_endpoint');
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set(
      'client_assertion',
      await signAssertion({
        clientId: client.client_id,
        tokenEndpoint: as.token_endpoint,
        clock: clocks.clockFor(as.token_endpoint),
      }),
    );
  };
}
