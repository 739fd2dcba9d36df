import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createManualClock } from '../clock.ts';
import { waitFor } from '../testing/wait-for.ts';
import { generateKey, retireKey, rotateKeys } from './key-admin.ts';
import { keyReloadIntervalMs, type ReloadingKeyStore } from './key-reload.ts';
import { loadKeyStore } from './key-store.ts';
import { createTempDir } from '../testing/test-keys.ts';

const kids = (store: { publicJwks(): { keys: { kid?: string }[] } }) =>
  store.publicJwks().keys.map((k) => k.kid);

test('a running process follows generate, rotate and retire in its keys directory without a restart', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  const store = await loadKeyStore({ keysDir: dir, clock });
  const staged = await generateKey(dir, { clock });
  // Not yet due: the store checks keys.json at most every 30 s.
  clock.advance(keyReloadIntervalMs - 1);
  assert.deepEqual(kids(store), [first.kid]);
  clock.advance(1);
  store.publicJwks();
  await waitFor(() => kids(store).length === 2, { what: 'the staged key to be published' });
  assert.deepEqual(kids(store), [first.kid, staged.kid]);
  assert.equal(store.activeKey().kid, first.kid);

  await rotateKeys(dir, { clock });
  clock.advance(keyReloadIntervalMs);
  store.activeKey();
  await waitFor(() => store.activeKey().kid === staged.kid, { what: 'the rotated key to sign' });

  await retireKey(dir, first.kid, { clock, force: true });
  assert.equal(await (store as ReloadingKeyStore).reload(), true);
  assert.deepEqual(kids(store), [staged.kid]);
  assert.equal(await (store as ReloadingKeyStore).reload(), false);
});

test('a broken change keeps the last good keys and reports the error', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const dir = await createTempDir();
  const first = await generateKey(dir, { clock });
  const warnings: string[] = [];
  const log = { warn: (_obj: unknown, message: string) => warnings.push(message) };
  const store = await loadKeyStore({ keysDir: dir, clock, log: log as never });
  const index = path.join(dir, 'keys.json');
  await writeFile(index, '{broken');
  clock.advance(keyReloadIntervalMs);
  store.activeKey();
  await waitFor(() => warnings.length === 1, { what: 'the reload warning' });
  assert.equal(
    warnings[0],
    `keys in '${dir}' changed but cannot be loaded, still using the previous keys: '${index}' is not valid JSON: restore it from a backup or regenerate the keys`,
  );
  assert.equal(store.activeKey().kid, first.kid);
  assert.deepEqual(kids(store), [first.kid]);
});
