/**
 * The one error type chartbridge throws for expected failures, and the one table that says which HTTP status each
 * code leaves with (medplum's `getStatus` is the model). `code` is stable and part of the contract: tests, HTTP
 * mapping and operators key on it. Throw sites name the code only; the status follows from it, so one code never
 * leaves with two statuses. Messages are lower-case, name the offending thing and say the fix; they never contain
 * tokens, codes, assertions, keys or patient data.
 */
export const ERROR_STATUS = {
  // configuration and start-up: the operator's to fix, never the caller's
  ERR_CONFIG_INVALID: 500,
  ERR_KEY_INVALID: 500,
  ERR_KEY_NOT_FOUND: 500,
  ERR_ENCRYPTION_KEY_INVALID: 500,
  ERR_DATABASE_URL_INVALID: 500,
  ERR_DATABASE_UNAVAILABLE: 503,
  // input validation
  ERR_INVALID_INPUT: 400,
  ERR_NOT_FOUND: 404,
  ERR_UNAUTHORIZED: 401,
  ERR_FORM_EXPIRED: 403,
  ERR_CONFLICT: 409,
  // launch and callback: the browser brought something we cannot use
  ERR_STATE_INVALID: 400,
  ERR_ISSUER_MISMATCH: 400,
  ERR_AUTHORIZATION_DENIED: 400,
  ERR_DISCOVERY_FAILED: 502,
  // an EHR pointed outside the FHIR base it was registered with
  ERR_ORIGIN_MISMATCH: 502,
  // token endpoint: the EHR answered badly (502), is away (503), or the connection is in the wrong state (409)
  ERR_TOKEN_RESPONSE_INVALID: 502,
  ERR_ID_TOKEN_INVALID: 502,
  ERR_INVALID_GRANT: 409,
  ERR_INVALID_CLIENT: 502,
  ERR_TOKEN_ENDPOINT_UNAVAILABLE: 503,
  ERR_NOT_REFRESHABLE: 409,
  ERR_REFRESH_IN_PROGRESS: 503,
  ERR_SEAL_INVALID: 500,
  ERR_CONNECTION_INACTIVE: 409,
  // FHIR and sync: what the EHR sent could not be used
  ERR_FHIR_HTTP: 502,
  ERR_FHIR_RESPONSE_INVALID: 502,
  ERR_SIZE_LIMIT: 502,
  ERR_TIMEOUT: 504,
  ERR_PAGE_LIMIT: 502,
  ERR_TOO_SLOW: 504,
  ERR_FHIR_REAUTH_REQUIRED: 401,
  ERR_FHIR_RETRYABLE: 503,
  ERR_SYNC_FAILED: 502,
  // directory and portal
  ERR_DIRECTORY_INVALID: 400,
  ERR_DIRECTORY_GATE: 400,
  ERR_PORTAL_SESSION: 401,
  ERR_PORTAL_RESPONSE: 502,
  // jobs and workers
  ERR_LEASE_LOST: 409,
  ERR_JOB_INTERRUPTED: 503,
  // web ui
  ERR_RATE_LIMITED: 429,
} as const satisfies Record<string, number>;

export type ChartbridgeErrorCode = keyof typeof ERROR_STATUS;

/** Every code, for tests and documentation that must cover them all. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ChartbridgeErrorCode[];

export class ChartbridgeError extends Error {
  readonly code: ChartbridgeErrorCode;
  /** HTTP status a driver answers with when this error reaches one: always `ERROR_STATUS[code]`. */
  readonly status: (typeof ERROR_STATUS)[ChartbridgeErrorCode];

  constructor(code: ChartbridgeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChartbridgeError';
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

export function isChartbridgeError(error: unknown, code?: ChartbridgeErrorCode): error is ChartbridgeError {
  return error instanceof ChartbridgeError && (code === undefined || error.code === code);
}
