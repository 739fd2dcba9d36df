import * as oauth from 'oauth4webapi';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';

/** A token endpoint answer, normalised. Never log or serialise this object: every field but the times is secret. */
export interface TokenSet {
  accessToken: string;
  /** Present only when the server grants persistent access; decides refreshability (never the scope string). */
  refreshToken: string | undefined;
  /** Receipt time + `expires_in` on our clock, so clock skew with the EHR does not matter (case 27). */
  accessExpiresAt: number;
  scope: string;
  patient: string | undefined;
  idToken: string | undefined;
}

/** Used when a token response omits `expires_in` (case 6): short, so we refresh early rather than fail late. */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;
const MAX_TOKEN_RESPONSE_CHARS = 256_000;

export type TokenOperation = 'code exchange' | 'refresh';

/**
 * Reads and checks a token endpoint response (cases 5, 6, 19–21). Errors are classified by status first, then
 * by the OAuth `error` field; bodies that are HTML or not JSON never reach a parser that could echo them.
 */
export async function processTokenResponse(
  response: Response,
  context: { as: oauth.AuthorizationServer; client: oauth.Client; clock: Clock; operation: TokenOperation },
): Promise<TokenSet> {
  const endpoint = context.as.token_endpoint ?? 'token endpoint';
  const receivedAt = context.clock.now();
  const text = await readBoundedText(response, endpoint);
  if (response.status !== 200) throw classifyTokenError(response.status, text, endpoint, context.operation);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw invalidResponse(endpoint, 'the body is not json');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalidResponse(endpoint, 'the body is not a json object');
  // The id_token is validated separately (id-token.ts) against our clock and the launch's nonce.
  const { id_token: idToken, ...rest } = json;
  const result = await processWithOauth(rest, response, context);
  if (result.token_type !== 'bearer')
    throw invalidResponse(endpoint, `unsupported token_type '${String(result.token_type).slice(0, 20)}'`);
  const expiresIn =
    typeof result.expires_in === 'number' && result.expires_in > 0
      ? result.expires_in
      : DEFAULT_EXPIRES_IN_SECONDS;
  if (idToken !== undefined && typeof idToken !== 'string')
    throw invalidResponse(endpoint, "'id_token' is not a string");
  const patient = typeof json.patient === 'string' && json.patient.length > 0 ? json.patient : undefined;
  return {
    accessToken: result.access_token,
    refreshToken:
      typeof result.refresh_token === 'string' && result.refresh_token.length > 0
        ? result.refresh_token
        : undefined,
    accessExpiresAt: receivedAt + expiresIn * 1000,
    scope: typeof result.scope === 'string' ? result.scope.trim().split(/\s+/).join(' ') : '',
    patient,
    idToken,
  };
}

async function processWithOauth(
  body: Record<string, unknown>,
  original: Response,
  context: { as: oauth.AuthorizationServer; client: oauth.Client },
): Promise<oauth.TokenEndpointResponse> {
  const endpoint = context.as.token_endpoint ?? 'token endpoint';
  const contentType = original.headers.get('content-type') ?? '';
  const copy = new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': contentType } });
  try {
    return await oauth.processRefreshTokenResponse(context.as, context.client, copy);
  } catch (error) {
    if (error instanceof oauth.UnsupportedOperationError)
      throw invalidResponse(endpoint, 'unsupported token_type');
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_JSON) {
      throw invalidResponse(endpoint, 'the content-type is not application/json');
    }
    // oauth4webapi messages name the failed property and never include its value.
    throw invalidResponse(endpoint, (error as Error).message.replace(/"/g, "'").toLowerCase());
  }
}

async function readBoundedText(response: Response, endpoint: string): Promise<string> {
  const text = await response.text();
  if (text.length > MAX_TOKEN_RESPONSE_CHARS) throw invalidResponse(endpoint, 'the body is too large');
  return text;
}

/** invalid_grant = the grant is gone; invalid_client = our key/JWKS problem; 5xx/429 = try again later. */
export function classifyTokenError(
  status: number,
  text: string,
  endpoint: string,
  operation: TokenOperation,
): ChartbridgeError {
  if (status >= 500 || status === 429 || status === 408) {
    return new ChartbridgeError(
      'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
      `token endpoint '${endpoint}' answered http ${status} during ${operation}; retry later`,
    );
  }
  const error = readOAuthErrorCode(text);
  if (error === 'invalid_grant') {
    return new ChartbridgeError(
      'ERR_INVALID_GRANT',
      `token endpoint '${endpoint}' rejected the grant (invalid_grant) during ${operation}; the patient must connect again`,
    );
  }
  if (error === 'invalid_client' || status === 401) {
    return new ChartbridgeError(
      'ERR_INVALID_CLIENT',
      `token endpoint '${endpoint}' rejected our client (invalid_client) during ${operation}; check that the server can fetch our JWKS and that the key has propagated, or upload the JWKS directly`,
    );
  }
  const detail = error ? `'${error}'` : `http ${status} without an oauth error`;
  return new ChartbridgeError(
    'ERR_TOKEN_RESPONSE_INVALID',
    `token endpoint '${endpoint}' answered ${detail} during ${operation}`,
  );
}

/** The OAuth `error` code if the body is a JSON error object; only well-formed codes are echoed. */
function readOAuthErrorCode(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { error?: unknown };
    return typeof json.error === 'string' && /^[a-z_]{1,64}$/.test(json.error) ? json.error : undefined;
  } catch {
    return undefined;
  }
}

export function invalidResponse(endpoint: string, reason: string): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_TOKEN_RESPONSE_INVALID',
    `token response from '${endpoint}' is invalid: ${reason}`,
  );
}

/** A request that never got an answer (network error, timeout) is transient: keep the refresh token. */
export function unavailableError(
  endpoint: string,
  operation: TokenOperation | 'introspection' | 'revocation',
  error: unknown,
): ChartbridgeError {
  const reason = (error as Error)?.name === 'TimeoutError' ? 'timed out' : 'was unreachable';
  return new ChartbridgeError(
    'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
    `'${endpoint}' ${reason} during ${operation}; retry later`,
  );
}
