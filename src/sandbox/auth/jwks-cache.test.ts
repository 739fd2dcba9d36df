import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMaxAgeSeconds } from './jwks-cache.ts';

describe('readMaxAgeSeconds', () => {
  it('reads max-age, refuses to cache no-store/no-cache, defaults to 5 minutes and caps at 29 hours', () => {
    assert.equal(readMaxAgeSeconds('public, max-age=120'), 120);
    assert.equal(readMaxAgeSeconds('Max-Age=60'), 60);
    assert.equal(readMaxAgeSeconds('no-store'), 0);
    assert.equal(readMaxAgeSeconds('max-age=600, no-cache'), 0);
    assert.equal(readMaxAgeSeconds(null), 300);
    assert.equal(readMaxAgeSeconds('public'), 300);
    assert.equal(readMaxAgeSeconds('max-age=abc'), 300);
    assert.equal(readMaxAgeSeconds('max-age=999999999'), 29 * 3600);
  });
});
