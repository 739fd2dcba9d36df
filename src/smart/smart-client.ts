import * as oauth from 'oauth4webapi';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import { createAssertionClientAuth, type SignAssertion } from './client-auth.ts';
import { createDiscoveryCache, type DiscoveryCache } from './discovery.ts';
import { toAuthorizationServer, toRequestOptions, type SmartTransport } from './oauth-options.ts';
import { processTokenResponse, unavailableError, type TokenSet } from './token-response.ts';

/** The endpoints a stored launch or connection pins; requests go only here (case 31). */
export interface PinnedEndpoints {
  issuer: string;
  tokenEndpoint: string;
  introspectionEndpoint?: string | null;
  revocationEndpoint?: string | null;
}

export interface CodeExchange {
  endpoints: PinnedEndpoints;
  clientId: string;
  /** The parameters `validateCallbackParameters` returned (oauth4webapi only redeems validated ones). */
  callbackParameters: URLSearchParams;
  redirectUri: string;
  codeVerifier: string;
}

export interface Introspection {
  active: boolean;
  /** Epoch ms when the introspected token (for a refresh token: persistent access) ends, when the server says. */
  expiresAt: number | undefined;
}

export interface SmartClient {
  discovery: DiscoveryCache;
  exchangeCode(input: CodeExchange): Promise<TokenSet>;
  refresh(input: { endpoints: PinnedEndpoints; clientId: string; refreshToken: string }): Promise<TokenSet>;
  introspect(input: {
    endpoints: PinnedEndpoints;
    clientId: string;
    token: string;
    hint: 'refresh_token' | 'access_token';
  }): Promise<Introspection>;
  revoke(input: {
    endpoints: PinnedEndpoints;
    clientId: string;
    token: string;
    hint: 'refresh_token' | 'access_token';
  }): Promise<void>;
}

/** The SMART protocol, stateless apart from the discovery cache: every call names the endpoints it may use. */
export function createSmartClient(deps: {
  fetch: typeof fetch;
  clock: Clock;
  signAssertion: SignAssertion;
  timeoutMs?: number;
}): SmartClient {
  const transport: SmartTransport = { fetch: deps.fetch, timeoutMs: deps.timeoutMs ?? 15_000 };
  const clientAuth = createAssertionClientAuth(deps.signAssertion);
  const discovery = createDiscoveryCache({ transport, clock: deps.clock });

  async function send(
    endpoint: string,
    operation: 'code exchange' | 'refresh' | 'introspection' | 'revocation',
    request: () => Promise<Response>,
  ): Promise<Response> {
    try {
      return await request();
    } catch (error) {
      if (/^(ERR_|OAUTH_)/.test(String((error as { code?: unknown })?.code ?? ''))) throw error;
      throw unavailableError(endpoint, operation, error);
    }
  }

  return {
    discovery,
    async exchangeCode(input) {
      const as = toAuthorizationServer(input.endpoints);
      const client = { client_id: input.clientId };
      const response = await send(input.endpoints.tokenEndpoint, 'code exchange', () =>
        oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          input.callbackParameters,
          input.redirectUri,
          input.codeVerifier,
          toRequestOptions(input.endpoints.tokenEndpoint, transport),
        ),
      );
      const tokens = await processTokenResponse(response, {
        as,
        client,
        clock: deps.clock,
        operation: 'code exchange',
      });
      if (!tokens.patient) {
        throw new ChartbridgeError(
          'ERR_TOKEN_RESPONSE_INVALID',
          `token response from '${input.endpoints.tokenEndpoint}' has no 'patient'; a patient launch needs one (check the launch/patient scope)`,
          { status: 502 },
        );
      }
      return tokens;
    },
    async refresh(input) {
      const as = toAuthorizationServer(input.endpoints);
      const client = { client_id: input.clientId };
      const response = await send(input.endpoints.tokenEndpoint, 'refresh', () =>
        oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth,
          input.refreshToken,
          toRequestOptions(input.endpoints.tokenEndpoint, transport),
        ),
      );
      return processTokenResponse(response, { as, client, clock: deps.clock, operation: 'refresh' });
    },
    async introspect(input) {
      const endpoint = input.endpoints.introspectionEndpoint;
      if (!endpoint) return { active: true, expiresAt: undefined };
      const as = toAuthorizationServer({ ...input.endpoints, introspectionEndpoint: endpoint });
      const client = { client_id: input.clientId };
      const response = await send(endpoint, 'introspection', () =>
        oauth.introspectionRequest(as, client, clientAuth, input.token, {
          ...toRequestOptions(endpoint, transport),
          additionalParameters: { token_type_hint: input.hint },
        }),
      );
      try {
        const result = await oauth.processIntrospectionResponse(as, client, response);
        return {
          active: result.active === true,
          expiresAt: typeof result.exp === 'number' ? result.exp * 1000 : undefined,
        };
      } catch {
        throw new ChartbridgeError(
          'ERR_TOKEN_RESPONSE_INVALID',
          `introspection endpoint '${endpoint}' answered http ${response.status} or an invalid body`,
          { status: 502 },
        );
      }
    },
    async revoke(input) {
      const endpoint = input.endpoints.revocationEndpoint;
      if (!endpoint)
        throw new ChartbridgeError('ERR_NOT_FOUND', 'the server offers no revocation endpoint', {
          status: 404,
        });
      const as = toAuthorizationServer({ ...input.endpoints, revocationEndpoint: endpoint });
      const client = { client_id: input.clientId };
      const response = await send(endpoint, 'revocation', () =>
        oauth.revocationRequest(as, client, clientAuth, input.token, {
          ...toRequestOptions(endpoint, transport),
          additionalParameters: { token_type_hint: input.hint },
        }),
      );
      try {
        await oauth.processRevocationResponse(response);
      } catch {
        const code = response.status >= 500 ? 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' : 'ERR_TOKEN_RESPONSE_INVALID';
        throw new ChartbridgeError(
          code,
          `revocation endpoint '${endpoint}' answered http ${response.status}`,
          { status: 502 },
        );
      }
    },
  };
}
