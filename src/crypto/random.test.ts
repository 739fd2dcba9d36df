import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomToken, sha256Base64url } from './random.ts';

test('randomToken: base64url of the requested size, never repeating', () => {
  assert.match(randomToken(), /^[A-Za-z0-9_-]{43}$/);
  assert.match(randomToken(16), /^[A-Za-z0-9_-]{22}$/);
  const seen = new Set(Array.from({ length: 1000 }, () => randomToken()));
  assert.equal(seen.size, 1000);
  assert.throws(() => randomToken(8), TypeError);
});

test('sha256Base64url: the FIPS 180 "abc" vector', () => {
  assert.equal(sha256Base64url('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
