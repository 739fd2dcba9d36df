import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import { parseCallbackQuery } from './callback-query.ts';

function rejects(query: string, message: string) {
  assert.throws(
    () => parseCallbackQuery(query),
    (e) => isChartbridgeError(e, 'ERR_INVALID_INPUT') && e.status === 400 && e.message === message,
  );
}

test('case 3: repeated, oversized and control-character parameters are refused', () => {
  rejects('code=a&state=b&state=c', "the callback repeats 'state'; start the connection again");
  rejects(
    `code=a&state=${'x'.repeat(257)}`,
    "the callback parameter 'state' is too long; start the connection again",
  );
  rejects(
    `code=${'x'.repeat(8193)}`,
    "the callback parameter 'code' is too long; start the connection again",
  );
  rejects(
    'code=a%00b&state=s',
    "the callback parameter 'code' contains control or non-ascii characters; start the connection again",
  );
  rejects(
    'code=a%0Ab&state=s',
    "the callback parameter 'code' contains control or non-ascii characters; start the connection again",
  );
  rejects(
    'code=caf%C3%A9&state=s',
    "the callback parameter 'code' contains control or non-ascii characters; start the connection again",
  );
  rejects(
    'error=access_denied&error_description=x%07y',
    "the callback parameter 'error_description' contains control or non-ascii characters; start the connection again",
  );
  rejects(
    Array.from({ length: 17 }, (_, i) => `p${i}=1`).join('&'),
    'the callback has too many parameters; start the connection again',
  );
});

test('a long JWT code and a free-text error_description pass untouched', () => {
  const code = `eyJ${'a'.repeat(4000)}.b.c`;
  assert.equal(parseCallbackQuery(`code=${code}&state=s&iss=https%3A%2F%2Fehr%2Foauth2`).get('code'), code);
  assert.equal(
    parseCallbackQuery(
      'error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%20d%C3%A9j%C3%A0',
    ).get('error_description'),
    '<script>alert(1)</script> déjà',
  );
});
