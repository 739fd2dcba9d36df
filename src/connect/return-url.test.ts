import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import { validateReturnUrl } from './return-url.ts';

const allowed = { publicUrl: 'https://cb.example.org', appOrigins: ['https://app.example.com'] };

test('case 37: only our own origin or a registered app origin is accepted', () => {
  assert.equal(
    validateReturnUrl('https://cb.example.org/done?x=1', allowed),
    'https://cb.example.org/done?x=1',
  );
  assert.equal(
    validateReturnUrl('https://app.example.com/connected', allowed),
    'https://app.example.com/connected',
  );
  for (const url of [
    'https://evil.example.net/',
    'https://app.example.com.evil.net/',
    'https://app.example.com@evil.net/',
    'https://user:pw@app.example.com/',
    'http://app.example.com/',
    'https://app.example.com:8443/',
    'javascript:alert(1)',
    '//evil.example.net/',
    '/relative',
    `https://cb.example.org/${'a'.repeat(2100)}`,
  ]) {
    assert.throws(
      () => validateReturnUrl(url, allowed),
      (e) => isChartbridgeError(e, 'ERR_INVALID_INPUT'),
      url,
    );
  }
});
