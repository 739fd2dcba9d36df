import { randomUUID } from 'node:crypto';
import { randomToken, sha256Base64url } from '../crypto/random.ts';

/** 256 random bits, URL-safe: connect-session tokens, OAuth state, browser-binding cookies. */
export function createRandomToken(): string {
  return randomToken(32);
}

/** What the database stores instead of a bearer secret: finding a row needs the secret, reading it does not reveal it. */
export function hashSecret(value: string): string {
  return sha256Base64url(value);
}

export function createId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}
