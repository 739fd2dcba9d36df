import { createHash, randomBytes } from 'node:crypto';

/**
 * An unguessable token from the OS CSPRNG, base64url without padding. 32 bytes (256 bits, 43 characters) by
 * default: well above the 122 bits docs/epic-facts.md §3 asks of `state`, and short enough for a `jti` (≤ 151 characters).
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 96) {
    throw new TypeError('randomToken needs 16 to 96 bytes');
  }
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a UTF-8 string as base64url: for storing lookups of secrets (session ids, state) without the secret. */
export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}
