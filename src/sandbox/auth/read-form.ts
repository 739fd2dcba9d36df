import type { Context } from 'hono';
import { OAuthError } from './oauth-error.ts';

const largestFormBytes = 64 * 1024;

/** Reads an OAuth form POST strictly: form encoding only, bounded size, no repeated parameters (RFC 6749 §3.2). */
export async function readOAuthForm(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded(\s*;|$)/i.test(type)) {
    throw new OAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded');
  }
  const text = await c.req.text();
  if (text.length > largestFormBytes)
    throw new OAuthError('invalid_request', 'the request body is too large');
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name)) throw new OAuthError('invalid_request', `parameter "${name}" is repeated`);
    seen.add(name);
  }
  return form;
}

/** A parameter that must be present and non-empty. */
export function requireParam(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '')
    throw new OAuthError('invalid_request', `parameter "${name}" is required`);
  return value;
}
