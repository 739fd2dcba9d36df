import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** 256 random bits, URL-safe: connect-session tokens, OAuth state, browser-binding cookies. */
export function createRandomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores instead of a bearer secret: finding a row needs the secret, reading it does not reveal it. */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export function createId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}
