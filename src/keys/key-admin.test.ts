import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createManualClock } from '../clock.ts';
import { generateKey, listKeyRecords, retireKey, retireGraceMs, rotateKeys } from './key-admin.ts';
import { keyFilePath } from './key-files.ts';
import { loadKeyStore } from './key-store.ts';
import { createTempDir, isError } from '../testing/test-keys.ts';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

test('generate: first key is active; files 0600, directory 0700, keys.json without private material', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = path.join(await createTempDir(), 'keys');
  const record = await generateKey(dir, { clock });
  assert.deepEqual(record, {
    kid: record.kid,
    alg: 'RS384',
    status: 'active',
    createdAt: clock.now(),
    activatedAt: clock.now(),
  });
  assert.match(record.kid, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(await modeOf(dir), 0o700);
  assert.equal(await modeOf(keyFilePath(dir, record.kid)), 0o600);
  assert.equal(await modeOf(path.join(dir, 'keys.json')), 0o600);
  assert.deepEqual((await readdir(dir)).sort(), [`${record.kid}.pem`, 'keys.json'].sort());
  const index = await readFile(path.join(dir, 'keys.json'), 'utf8');
  assert.equal(/PRIVATE|"d"|"p"|"q"/.test(index), false);
  assert.match(await readFile(keyFilePath(dir, record.kid), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
});

test('generate beside an active key publishes it ahead of time; rotate then switches to it', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  clock.advance(1000);
  const next = await generateKey(dir, { alg: 'ES384', clock });
  assert.equal(next.status, 'published');
  assert.equal(next.activatedAt, undefined);
  assert.equal((await loadKeyStore({ keysDir: dir, clock })).activeKey().kid, first.kid);
  clock.advance(1000);
  const rotation = await rotateKeys(dir, { clock });
  assert.equal(rotation.generated, false);
  assert.equal(rotation.active.kid, next.kid);
  assert.equal(rotation.previous.kid, first.kid);
  const store = await loadKeyStore({ keysDir: dir, clock });
  assert.equal(store.activeKey().kid, next.kid);
  assert.deepEqual(
    store.publicJwks().keys.map((k) => k.kid),
    [first.kid, next.kid],
  );
});

test('rotate without a staged key creates one with the same alg; old key stays published', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { alg: 'ES384', clock });
  const rotation = await rotateKeys(dir, { clock });
  assert.equal(rotation.generated, true);
  assert.equal(rotation.active.alg, 'ES384');
  assert.notEqual(rotation.active.kid, first.kid);
  const records = await listKeyRecords(dir);
  assert.deepEqual(
    records.map((r) => [r.kid, r.status]),
    [
      [first.kid, 'published'],
      [rotation.active.kid, 'active'],
    ],
  );
  assert.equal(records[0]!.deactivatedAt, clock.now());
});

test('retire: refuses the active key and a key still in its 5-minute grace; then removes it and its file', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  await assert.rejects(
    retireKey(dir, first.kid, { clock }),
    isError(
      'ERR_CONFLICT',
      `key '${first.kid}' is the active signing key: run chartbridge keys rotate first, then retire it`,
    ),
  );
  const rotation = await rotateKeys(dir, { clock });
  clock.advance(retireGraceMs - 1);
  await assert.rejects(
    retireKey(dir, first.kid, { clock }),
    isError(
      'ERR_CONFLICT',
      `key '${first.kid}' stopped signing less than 5 minutes ago and its assertions may still be in use: retry later or pass --force`,
    ),
  );
  clock.advance(1);
  const retired = await retireKey(dir, first.kid, { clock });
  assert.equal(retired.status, 'retired');
  assert.deepEqual((await readdir(dir)).sort(), [`${rotation.active.kid}.pem`, 'keys.json'].sort());
  const store = await loadKeyStore({ keysDir: dir, clock });
  assert.deepEqual(
    store.publicJwks().keys.map((k) => k.kid),
    [rotation.active.kid],
  );
  assert.deepEqual(
    (await listKeyRecords(dir)).map((r) => r.status),
    ['retired', 'active'],
  );
  await assert.rejects(
    retireKey(dir, first.kid, { clock }),
    isError('ERR_CONFLICT', `key '${first.kid}' is already retired`),
  );
});

test('retire --force skips the grace period; unknown kids are not found', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  await rotateKeys(dir, { clock });
  assert.equal((await retireKey(dir, first.kid, { clock, force: true })).status, 'retired');
  await assert.rejects(
    retireKey(dir, 'no-such-kid', { clock }),
    isError('ERR_KEY_NOT_FOUND', `no key with kid 'no-such-kid' in '${dir}': see chartbridge keys list`),
  );
  const empty = await createTempDir();
  await assert.rejects(
    rotateKeys(empty, { clock }),
    isError(
      'ERR_KEY_NOT_FOUND',
      `no active key in '${empty}': run chartbridge keys generate --dir '${empty}'`,
    ),
  );
});

test('a second keys command while one holds the lock is refused without touching anything', async () => {
  const dir = await createTempDir();
  await generateKey(dir);
  const lock = path.join(dir, '.keys.lock');
  await writeFile(lock, '');
  const before = await readFile(path.join(dir, 'keys.json'), 'utf8');
  await assert.rejects(
    rotateKeys(dir),
    isError(
      'ERR_CONFLICT',
      `another keys command is running on '${dir}'; if none is, remove '${lock}' and retry`,
    ),
  );
  assert.equal(await readFile(path.join(dir, 'keys.json'), 'utf8'), before);
  assert.equal((await readdir(dir)).length, 3);
});

test('concurrent generate calls in one directory never leave two active keys', async () => {
  const dir = await createTempDir();
  const results = await Promise.allSettled([generateKey(dir), generateKey(dir), generateKey(dir)]);
  const made = results.filter((r) => r.status === 'fulfilled');
  assert.ok(made.length >= 1);
  const records = await listKeyRecords(dir);
  assert.equal(records.length, made.length);
  assert.equal(records.filter((r) => r.status === 'active').length, 1);
  assert.equal((await readdir(dir)).filter((f) => f.endsWith('.pem')).length, made.length);
});

test('a keys directory that cannot be created is refused with the fix, not a stack trace', async () => {
  const root = await createTempDir();
  const blocker = path.join(root, 'file');
  await writeFile(blocker, '');
  const dir = path.join(blocker, 'keys');
  await assert.rejects(
    generateKey(dir),
    isError(
      'ERR_KEY_INVALID',
      `cannot create the keys directory '${dir}' (ENOTDIR): choose a writable directory with --dir or CHARTBRIDGE_KEYS_DIR`,
    ),
  );
});
