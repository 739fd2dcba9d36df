import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../testing/wait-for.ts';
import { openStore } from './database.ts';

test('a background thread copies the write-ahead log into the database file while the writer only writes', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'chartbridge-wal-'));
  const file = join(folder, 'wal.db');
  const store = openStore(`sqlite:${file}`);
  try {
    const sqlite = store.sqlite!;
    sqlite.exec('create table blobs (id integer primary key, data blob not null)');
    const insert = sqlite.prepare('insert into blobs (data) values (?)');
    // 8 MB of log, half the writer's own checkpoint threshold (4,000 pages): only the thread moves it.
    sqlite.transaction(() => {
      for (let i = 0; i < 2048; i += 1) insert.run(Buffer.alloc(4096, i % 251));
    })();
    assert.ok(statSync(`${file}-wal`).size >= 8 * 1024 * 1024);
    await waitFor(() => statSync(file).size >= 8 * 1024 * 1024, { what: 'the log copied into the database' });
    assert.equal((sqlite.prepare('select count(*) as n from blobs').get() as { n: number }).n, 2048);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
