import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { createRandomToken } from '../connect/secrets.ts';

/** Binds launches to the browser that started them (cases 1, 29). HttpOnly, SameSite=Lax, Secure on https. */
export const BROWSER_COOKIE = 'cb_browser';

export function readCookie(c: Context, name: string): string | undefined {
  const value = getCookie(c, name);
  return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
}

/** The browser's binding secret, created on first use. */
export function ensureBrowserSecret(c: Context, publicUrl: string): string {
  const existing = readCookie(c, BROWSER_COOKIE);
  if (existing) return existing;
  const value = createRandomToken();
  writeCookie(c, BROWSER_COOKIE, value, publicUrl);
  return value;
}

export function writeCookie(c: Context, name: string, value: string, publicUrl: string): void {
  setCookie(c, name, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: publicUrl.startsWith('https:'),
  });
}
