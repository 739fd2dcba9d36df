import * as oauth from 'oauth4webapi';
import type { Clock } from '../clock.ts';
import { ChartbridgeError, isChartbridgeError, type ChartbridgeErrorCode } from '../errors.ts';
import { toAuthorizationServer, toRequestOptions, type SmartTransport } from './oauth-options.ts';
import type { ServerClocks } from './server-clock.ts';
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

export interface TokenGrant {
  endpoints: PinnedEndpoints;
  clientId: string;
  token: string;
  hint: 'refresh_token' | 'access_token';
}

export interface Introspection {
  active: boolean;
  /** Epoch ms when the introspected token (for a refresh token: persistent access) ends, when the server says. */
  expiresAt: number | undefined;
}

/** What every token-endpoint step needs: transport, client authentication, clock. */
export interface RequestContext {
  transport: SmartTransport;
  clientAuth: oauth.ClientAuth;
  clock: Clock;
  clocks: ServerClocks;
}

/**
 * One retry, with a fresh assertion, when the EHR rejected our client and its `Date` header just taught us that
 * its clock differs from ours (the assertion was expired or from the future on its clock, case 27).
 */
async function withClockSkewRetry<T>(
  ctx: RequestContext,
  endpoint: string,
  attempt: () => Promise<T>,
): Promise<T> {
  const offset = ctx.clocks.offsetFor(endpoint);
  try {
    return await attempt();
  } catch (error) {
    if (isChartbridgeError(error, 'ERR_INVALID_CLIENT') && ctx.clocks.offsetFor(endpoint) !== offset)
      return attempt();
    throw error;
  }
}

type Operation = 'code exchange' | 'refresh' | 'introspection' | 'revocation';

/** Sends one request; a request that never got an answer is transient (the refresh token is kept). */
async function send(
  endpoint: string,
  operation: Operation,
  request: () => Promise<Response>,
): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    // oauth4webapi's own misuse errors (ERR_*, OAUTH_*) are programming errors, not outages.
    if (/^(ERR_|OAUTH_)/.test(String((error as { code?: unknown })?.code ?? ''))) throw error;
    throw unavailableError(endpoint, operation, error);
  }
}

export async function exchangeCode(ctx: RequestContext, input: CodeExchange): Promise<TokenSet> {
  const { tokenEndpoint } = input.endpoints;
  const as = toAuthorizationServer(input.endpoints);
  const client = { client_id: input.clientId };
  const options = toRequestOptions(tokenEndpoint, ctx.transport);
  const tokens = await withClockSkewRetry(ctx, tokenEndpoint, async () => {
    const response = await send(tokenEndpoint, 'code exchange', () =>
      oauth.authorizationCodeGrantRequest(
        as,
        client,
        ctx.clientAuth,
        input.callbackParameters,
        input.redirectUri,
        input.codeVerifier,
        options,
      ),
    );
    return processTokenResponse(response, { as, client, clock: ctx.clock, operation: 'code exchange' });
  });
  if (!tokens.patient) {
    throw new ChartbridgeError(
      'ERR_TOKEN_RESPONSE_INVALID',
      `token response from '${tokenEndpoint}' has no 'patient'; a patient launch needs one (check the launch/patient scope)`,
    );
  }
  return tokens;
}

export async function refreshTokens(
  ctx: RequestContext,
  input: { endpoints: PinnedEndpoints; clientId: string; refreshToken: string },
): Promise<TokenSet> {
  const { tokenEndpoint } = input.endpoints;
  const as = toAuthorizationServer(input.endpoints);
  const client = { client_id: input.clientId };
  return withClockSkewRetry(ctx, tokenEndpoint, async () => {
    const response = await send(tokenEndpoint, 'refresh', () =>
      oauth.refreshTokenGrantRequest(
        as,
        client,
        ctx.clientAuth,
        input.refreshToken,
        toRequestOptions(tokenEndpoint, ctx.transport),
      ),
    );
    return processTokenResponse(response, { as, client, clock: ctx.clock, operation: 'refresh' });
  });
}

export async function introspectToken(ctx: RequestContext, input: TokenGrant): Promise<Introspection> {
  const endpoint = input.endpoints.introspectionEndpoint;
  if (!endpoint) return { active: true, expiresAt: undefined };
  const as = toAuthorizationServer(input.endpoints);
  const client = { client_id: input.clientId };
  const options = {
    ...toRequestOptions(endpoint, ctx.transport),
    additionalParameters: { token_type_hint: input.hint },
  };
  const response = await send(endpoint, 'introspection', () =>
    oauth.introspectionRequest(as, client, ctx.clientAuth, input.token, options),
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
    );
  }
}

export async function revokeToken(ctx: RequestContext, input: TokenGrant): Promise<void> {
  const endpoint = input.endpoints.revocationEndpoint;
  if (!endpoint) throw new ChartbridgeError('ERR_NOT_FOUND', 'the server offers no revocation endpoint');
  const as = toAuthorizationServer(input.endpoints);
  const client = { client_id: input.clientId };
  const options = {
    ...toRequestOptions(endpoint, ctx.transport),
    additionalParameters: { token_type_hint: input.hint },
  };
  await withClockSkewRetry(ctx, endpoint, async () => {
    const response = await send(endpoint, 'revocation', () =>
      oauth.revocationRequest(as, client, ctx.clientAuth, input.token, options),
    );
    try {
      await oauth.processRevocationResponse(response);
    } catch {
      throw new ChartbridgeError(
        revocationErrorCode(response.status),
        `revocation endpoint '${endpoint}' answered http ${response.status}`,
      );
    }
  });
}

/**
 * Down, overloaded or timed out: worth another try later (the revocation outbox retries these); 401 is our client
 * assertion (clock skew, a key not yet propagated): retried too. Anything else is the EHR's final answer.
 */
function revocationErrorCode(status: number): ChartbridgeErrorCode {
  if (status >= 500 || status === 429 || status === 408) return 'ERR_TOKEN_ENDPOINT_UNAVAILABLE';
  if (status === 401) return 'ERR_INVALID_CLIENT';
  return 'ERR_TOKEN_RESPONSE_INVALID';
}
