import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createManualClock } from '../clock.ts';
import { generateKey, rotateKeys } from './key-admin.ts';
import { keyFilePath, writeKeyIndex } from './key-files.ts';
import { loadKeyStore } from './key-store.ts';
import {
  createTempDir,
  ecPem,
  ed25519Pem,
  isError,
  malformedPem,
  publicPem,
  rsaPem,
} from '../testing/test-keys.ts';

const clock = createManualClock(Date.UTC(2026, 5, 1));
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function assertPublicOnly(jwks: { keys: object[] }): void {
  for (const jwk of jwks.keys) {
    for (const member of privateMembers)
      assert.equal(member in jwk, false, `private member ${member} served`);
  }
}

/** A keys directory whose only key file holds `pem` (as an attacker or a careless operator might leave it). */
async function dirWithKeyFile(pem: string, mode = 0o600): Promise<{ dir: string; file: string }> {
  const dir = await createTempDir();
  const kid = 'A'.repeat(43);
  await writeKeyIndex(dir, [{ kid, alg: 'RS384', status: 'active', createdAt: 1 }]);
  const file = keyFilePath(dir, kid);
  await writeFile(file, pem, { mode });
  await chmod(file, mode);
  return { dir, file };
}

test('a keys directory loads: active key signs, JWKS lists active and published keys, public members only', async () => {
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  const staged = await generateKey(dir, { alg: 'ES384', clock });
  const store = await loadKeyStore({ keysDir: dir, clock });
  assert.equal(store.activeKey().kid, first.kid);
  assert.equal(store.activeKey().status, 'active');
  assert.deepEqual(
    store.publicJwks().keys.map((k) => [k.kid, k.kty, k.alg, k.use]),
    [
      [first.kid, 'RSA', 'RS384', 'sig'],
      [staged.kid, 'EC', 'ES384', 'sig'],
    ],
  );
  assert.deepEqual(
    store.rsaPublicJwks().keys.map((k) => k.kid),
    [first.kid],
  );
  assert.deepEqual(
    store.list().map((k) => k.status),
    ['active', 'published'],
  );
  assertPublicOnly(store.publicJwks());
});

test('after rotation the old key stays in the JWKS until retired; RSA is served first', async () => {
  const dir = await createTempDir();
  const old = await generateKey(dir, { alg: 'ES384', clock });
  const rotation = await rotateKeys(dir, { alg: 'RS384', clock });
  const store = await loadKeyStore({ keysDir: dir, clock });
  assert.equal(store.activeKey().kid, rotation.active.kid);
  assert.deepEqual(
    store.publicJwks().keys.map((k) => k.kid),
    [rotation.active.kid, old.kid],
  );
});

test('CHARTBRIDGE_PRIVATE_KEYS: the first PEM signs, the rest stay published, RSA listed first', async () => {
  const [ec, rsa] = [ecPem('P-384'), rsaPem()];
  const store = await loadKeyStore({ privateKeysPem: `${ec}\n${rsa}`, clock });
  assert.equal(store.activeKey().alg, 'ES384');
  assert.equal(store.activeKey().createdAt, clock.now());
  assert.deepEqual(
    store.publicJwks().keys.map((k) => k.kty),
    ['RSA', 'EC'],
  );
  assert.deepEqual(
    store.rsaPublicJwks().keys.map((k) => k.kty),
    ['RSA'],
  );
  assert.deepEqual(
    store
      .list()
      .map((k) => k.status)
      .sort(),
    ['active', 'published'],
  );
  assertPublicOnly(store.publicJwks());
});

test('case 12 via CHARTBRIDGE_PRIVATE_KEYS: each unusable key is refused naming its position', async () => {
  const pemFix =
    'provide an unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----), e.g. from chartbridge keys generate';
  const load = (privateKeysPem: string) => loadKeyStore({ privateKeysPem, clock });
  await assert.rejects(
    load(`${rsaPem()}${rsaPem(1024)}`),
    isError(
      'ERR_KEY_INVALID',
      'key #2 in CHARTBRIDGE_PRIVATE_KEYS is a 1024-bit RSA key: use RSA of at least 2048 bits (chartbridge keys generate)',
    ),
  );
  await assert.rejects(
    load(ed25519Pem()),
    isError(
      'ERR_KEY_INVALID',
      'key #1 in CHARTBRIDGE_PRIVATE_KEYS has unsupported type ed25519: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)',
    ),
  );
  await assert.rejects(
    load(publicPem()),
    isError(
      'ERR_KEY_INVALID',
      `key #1 in CHARTBRIDGE_PRIVATE_KEYS is a public key or certificate, not a private key: ${pemFix}`,
    ),
  );
  await assert.rejects(
    load(malformedPem()),
    isError('ERR_KEY_INVALID', `key #1 in CHARTBRIDGE_PRIVATE_KEYS is malformed PEM: ${pemFix}`),
  );
  await assert.rejects(
    load('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'),
    isError(
      'ERR_KEY_INVALID',
      'CHARTBRIDGE_PRIVATE_KEYS holds no PEM block: set it to one or more PKCS#8 private keys (-----BEGIN PRIVATE KEY-----)',
    ),
  );
  const pem = rsaPem();
  await assert.rejects(
    load(`${pem}${pem}`),
    isError(
      'ERR_KEY_INVALID',
      'key #2 in CHARTBRIDGE_PRIVATE_KEYS repeats an earlier key: remove the duplicate',
    ),
  );
});

test('case 12 via a keys directory: missing, unreadable, group/world-readable, weak and wrong-type files', async () => {
  const weak = await dirWithKeyFile(rsaPem(1024));
  await assert.rejects(
    loadKeyStore({ keysDir: weak.dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `key '${weak.file}' is a 1024-bit RSA key: use RSA of at least 2048 bits (chartbridge keys generate)`,
    ),
  );
  const ed = await dirWithKeyFile(ed25519Pem());
  await assert.rejects(
    loadKeyStore({ keysDir: ed.dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `key '${ed.file}' has unsupported type ed25519: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)`,
    ),
  );
  for (const mode of [0o644, 0o640, 0o604]) {
    const open = await dirWithKeyFile(rsaPem(), mode);
    const octal = mode.toString(8).padStart(4, '0');
    await assert.rejects(
      loadKeyStore({ keysDir: open.dir, clock }),
      isError(
        'ERR_KEY_INVALID',
        `key file '${open.file}' is readable by group or others (mode ${octal}): run chmod 600 '${open.file}'`,
      ),
    );
  }
  const missing = await dirWithKeyFile(rsaPem());
  await rm(missing.file);
  await assert.rejects(
    loadKeyStore({ keysDir: missing.dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `key file '${missing.file}' is missing: restore it from a backup, or retire its kid and rotate`,
    ),
  );
  // Root reads any file, so "unreadable" is made with a directory where the key file should be.
  const unreadable = await dirWithKeyFile(rsaPem());
  await rm(unreadable.file);
  await mkdir(unreadable.file, { mode: 0o700 });
  await assert.rejects(
    loadKeyStore({ keysDir: unreadable.dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `cannot read key file '${unreadable.file}': give the chartbridge user read access (chmod 600)`,
    ),
  );
});

test('a keys directory that group or others can write to is refused (they could publish their own key)', async () => {
  const { dir } = await dirWithKeyFile(rsaPem());
  await chmod(dir, 0o775);
  await assert.rejects(
    loadKeyStore({ keysDir: dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `keys directory '${dir}' is writable by group or others (mode 0775): run chmod 700 '${dir}'`,
    ),
  );
});

test('a key file that does not match its kid, or a broken keys.json, is refused', async () => {
  const swapped = await dirWithKeyFile(rsaPem());
  await assert.rejects(
    loadKeyStore({ keysDir: swapped.dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `key file '${swapped.file}' does not hold the key its name says (kid mismatch): restore it from a backup`,
    ),
  );
  const dir = await createTempDir();
  const index = path.join(dir, 'keys.json');
  await writeFile(index, '{not json');
  await assert.rejects(
    loadKeyStore({ keysDir: dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `'${index}' is not valid JSON: restore it from a backup or regenerate the keys`,
    ),
  );
  await writeFile(index, JSON.stringify({ version: 1, keys: [{ kid: 'x' }] }));
  await assert.rejects(
    loadKeyStore({ keysDir: dir, clock }),
    isError(
      'ERR_KEY_INVALID',
      `'${index}' is not a chartbridge key list: restore it from a backup or regenerate the keys`,
    ),
  );
});

test('no keys, or two key sources at once, stop start-up with the fix', async () => {
  const empty = await createTempDir();
  await assert.rejects(
    loadKeyStore({ keysDir: empty, clock }),
    isError(
      'ERR_KEY_NOT_FOUND',
      `no signing keys in '${empty}': run chartbridge keys generate --dir '${empty}'`,
    ),
  );
  await assert.rejects(
    loadKeyStore({ clock }),
    isError(
      'ERR_KEY_NOT_FOUND',
      'no signing key configured: set CHARTBRIDGE_KEYS_DIR (and run chartbridge keys generate) or CHARTBRIDGE_PRIVATE_KEYS',
    ),
  );
  await assert.rejects(
    loadKeyStore({ keysDir: empty, privateKeysPem: rsaPem(), clock }),
    isError(
      'ERR_KEY_INVALID',
      'both CHARTBRIDGE_KEYS_DIR and CHARTBRIDGE_PRIVATE_KEYS are set: keep only one of them',
    ),
  );
});
