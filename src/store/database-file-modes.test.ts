import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from './database.ts';
import { migrateToLatest } from './migrate.ts';

function modeOf(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

test('a new SQLite database, its -wal and its -shm are created 0600 whatever the umask', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-modes-'));
  const previous = process.umask(0o022);
  try {
    const path = join(dir, 'data', 'chartbridge.db');
    const store = openStore(`sqlite:${path}`);
    await migrateToLatest(store);
    // The -wal and -shm exist while the database is open and has been written.
    assert.deepEqual([modeOf(path), modeOf(`${path}-wal`), modeOf(`${path}-shm`)], ['600', '600', '600']);
    assert.equal(modeOf(join(dir, 'data')), '700');
    await store.close();
  } finally {
    process.umask(previous);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an older 0644 database and 0644 sidecars are tightened to 0600 when opened', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-modes-'));
  try {
    const path = join(dir, 'old.db');
    const first = openStore(`sqlite:${path}`);
    await migrateToLatest(first);
    await first.close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o644);
    const store = openStore(`sqlite:${path}`);
    await migrateToLatest(store);
    assert.deepEqual([modeOf(path), modeOf(`${path}-wal`), modeOf(`${path}-shm`)], ['600', '600', '600']);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
