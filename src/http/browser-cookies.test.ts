import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { BROWSER_COOKIE, ensureBrowserSecret, readCookie } from './browser-cookies.ts';

function appFor(publicUrl: string) {
  return new Hono().get('/', (c) => c.text(ensureBrowserSecret(c, publicUrl)));
}

test('case 38: the browser cookie is HttpOnly and SameSite=Lax, and Secure when the public URL is https', async () => {
  const secure = await appFor('https://cb.example.org').request('/');
  assert.match(
    secure.headers.get('set-cookie')!,
    new RegExp(`^${BROWSER_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; Secure; SameSite=Lax$`),
  );
  const plain = await appFor('http://127.0.0.1:3000').request('/');
  assert.match(
    plain.headers.get('set-cookie')!,
    new RegExp(`^${BROWSER_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax$`),
  );
});

test('an existing well-formed cookie is kept; a malformed one is replaced', async () => {
  const value = 'a'.repeat(43);
  const kept = await appFor('http://127.0.0.1:3000').request('/', {
    headers: { cookie: `${BROWSER_COOKIE}=${value}` },
  });
  assert.equal(await kept.text(), value);
  assert.equal(kept.headers.get('set-cookie'), null);
  const replaced = await appFor('http://127.0.0.1:3000').request('/', {
    headers: { cookie: `${BROWSER_COOKIE}=bad;value` },
  });
  assert.notEqual(await replaced.text(), 'bad');
  const read = new Hono().get('/', (c) => c.text(String(readCookie(c, BROWSER_COOKIE))));
  const hostile = await read.request('/', { headers: { cookie: `${BROWSER_COOKIE}=%3Cscript%3E` } });
  assert.equal(await hostile.text(), 'undefined');
});
