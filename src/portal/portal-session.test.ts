import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChartbridgeError } from '../errors.ts';
import { resolvePortalSession } from './portal-session.ts';

it('takes the session from flags, then the environment, then the session file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-session-'));
  try {
    const file = join(dir, 'session.json');
    writeFileSync(file, JSON.stringify({ cookie: 'f=1', verificationToken: 'file-token' }));
    const env = { CHARTBRIDGE_PORTAL_COOKIE: 'Cookie: e=1; g=2', CHARTBRIDGE_PORTAL_TOKEN: 'env-token' };
    assert.deepEqual(resolvePortalSession({ sessionFile: file }), {
      cookie: 'f=1',
      verificationToken: 'file-token',
    });
    assert.deepEqual(resolvePortalSession({ sessionFile: file, env }), {
      cookie: 'e=1; g=2',
      verificationToken: 'env-token',
    });
    assert.deepEqual(
      resolvePortalSession({ cookie: ' c=3 ', verificationToken: 'flag', sessionFile: file, env }),
      {
        cookie: 'c=3',
        verificationToken: 'flag',
      },
    );
    writeFileSync(file, '{"cookie": ""}');
    assert.throws(
      () => resolvePortalSession({ sessionFile: file }),
      (error) =>
        isChartbridgeError(error, 'ERR_INVALID_INPUT') &&
        error.message ===
          `the session file '${file}' must be JSON with non-empty "cookie" and "verificationToken" strings`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a missing token and values with line breaks, without echoing them', () => {
  assert.throws(
    () => resolvePortalSession({ cookie: 'a=1' }),
    (error) =>
      isChartbridgeError(error, 'ERR_INVALID_INPUT') &&
      /^no portal verification token: pass --verification-token/.test(error.message),
  );
  assert.throws(
    () => resolvePortalSession({ cookie: 'a=1', verificationToken: 'secret part\nsecond' }),
    (error) =>
      isChartbridgeError(error, 'ERR_INVALID_INPUT') &&
      !error.message.includes('secret') &&
      error.message ===
        'the portal cookie or verification token contains line breaks or spaces: copy the value only, on one line',
  );
});
