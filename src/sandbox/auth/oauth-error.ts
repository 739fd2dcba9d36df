import type { Context } from 'hono';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'unsupported_token_type';

/** An OAuth error the sandbox answers with. Descriptions name the problem, never a secret value. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;

  constructor(error: OAuthErrorCode, description: string, status?: number, cause?: unknown) {
    super(description, cause === undefined ? undefined : { cause });
    this.name = 'OAuthError';
    this.error = error;
    this.status = status ?? (error === 'invalid_client' ? 401 : 400);
  }
}

/** The RFC 6749 §5.2 JSON error body, never cached. */
export function respondWithOAuthError(c: Context, error: OAuthError): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json({ error: error.error, error_description: error.message }, error.status as 400);
}
