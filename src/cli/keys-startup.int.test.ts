import assert from 'node:assert/strict';
import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { generateEncryptionKey } from '../crypto/sealer.ts';
import { generateKey } from '../keys/key-admin.ts';
import { createTempDir, rsaPem } from '../testing/test-keys.ts';
import { runCli } from '../testing/run-cli.ts';

// case 12 at the real entry point: `chartbridge serve` refuses to start, with one line, before it
// opens a database or a port.
test('serve refuses to start on a group-readable key file or a malformed encryption key', async () => {
  const cwd = await createTempDir();
  const keysDir = path.join(cwd, 'keys');
  const record = await generateKey(keysDir);
  const keyFile = path.join(keysDir, `${record.kid}.pem`);
  await chmod(keyFile, 0o640);
  const env = {
    CHARTBRIDGE_KEYS_DIR: keysDir,
    CHARTBRIDGE_PRIVATE_KEYS: undefined,
    CHARTBRIDGE_DATABASE_URL: undefined,
    CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey(),
  };
  const openKey = await runCli(['serve', '--port', '0'], { env, cwd });
  assert.equal(openKey.code, 1);
  assert.equal(
    openKey.stderr,
    `chartbridge: key file '${keyFile}' is readable by group or others (mode 0640): run chmod 600 '${keyFile}'\n`,
  );
  await chmod(keyFile, 0o600);
  const badSecret = await runCli(['serve', '--port', '0'], {
    env: {
      ...env,
      CHARTBRIDGE_KEYS_DIR: undefined,
      CHARTBRIDGE_PRIVATE_KEYS: rsaPem(),
      CHARTBRIDGE_ENCRYPTION_KEY: 'abc',
    },
    cwd,
  });
  assert.equal(badSecret.code, 2);
  assert.equal(
    badSecret.stderr,
    'chartbridge: CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: set it to 32 random bytes in base64 or base64url (openssl rand -base64 32)\n',
  );
  // Nothing was created: no ./data, no database.
  assert.deepEqual(await readdir(cwd), ['keys']);
});
