/**
 * The one error type chartbridge throws for expected failures. `code` is stable and part of the contract:
 * tests, HTTP mapping and operators key on it. Messages are lower-case, name the offending thing and say the fix;
 * they never contain tokens, codes, assertions, keys or patient data.
 */
export type ChartbridgeErrorCode =
  // configuration and start-up
  | 'ERR_CONFIG_INVALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_ENCRYPTION_KEY_INVALID'
  | 'ERR_DATABASE_URL_INVALID'
  | 'ERR_DATABASE_UNAVAILABLE'
  // input validation
  | 'ERR_INVALID_INPUT'
  | 'ERR_NOT_FOUND'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_CONFLICT'
  // launch and callback
  | 'ERR_STATE_INVALID'
  | 'ERR_ISSUER_MISMATCH'
  | 'ERR_AUTHORIZATION_DENIED'
  | 'ERR_DISCOVERY_FAILED'
  | 'ERR_ORIGIN_MISMATCH'
  // token endpoint
  | 'ERR_TOKEN_RESPONSE_INVALID'
  | 'ERR_ID_TOKEN_INVALID'
  | 'ERR_INVALID_GRANT'
  | 'ERR_INVALID_CLIENT'
  | 'ERR_TOKEN_ENDPOINT_UNAVAILABLE'
  | 'ERR_NOT_REFRESHABLE'
  | 'ERR_REFRESH_IN_PROGRESS'
  | 'ERR_SEAL_INVALID'
  | 'ERR_CONNECTION_INACTIVE'
  // FHIR and sync
  | 'ERR_FHIR_HTTP'
  | 'ERR_FHIR_RESPONSE_INVALID'
  | 'ERR_SIZE_LIMIT'
  | 'ERR_TIMEOUT'
  | 'ERR_PAGE_LIMIT'
  | 'ERR_TOO_SLOW'
  | 'ERR_FHIR_REAUTH_REQUIRED'
  | 'ERR_FHIR_RETRYABLE'
  | 'ERR_SYNC_FAILED'
  // directory and portal
  | 'ERR_DIRECTORY_INVALID'
  | 'ERR_DIRECTORY_GATE'
  | 'ERR_PORTAL_SESSION'
  | 'ERR_PORTAL_RESPONSE'
  // jobs and workers
  | 'ERR_LEASE_LOST'
  | 'ERR_JOB_INTERRUPTED'
  // web ui
  | 'ERR_RATE_LIMITED';

export class ChartbridgeError extends Error {
  readonly code: ChartbridgeErrorCode;
  /** HTTP status a driver should answer with, when this error reaches one. */
  readonly status: number;

  constructor(
    code: ChartbridgeErrorCode,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChartbridgeError';
    this.code = code;
    this.status = options.status ?? 400;
  }
}

export function isChartbridgeError(error: unknown, code?: ChartbridgeErrorCode): error is ChartbridgeError {
  return error instanceof ChartbridgeError && (code === undefined || error.code === code);
}
