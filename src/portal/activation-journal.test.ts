import { it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openActivationJournal } from './activation-journal.ts';

it('remembers successes and last failures across opens, and survives a torn last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-journal-'));
  const path = join(dir, 'nested', 'journal.jsonl');
  try {
    const first = openActivationJournal(path, '99');
    first.recordIntent('1', 'nonprod', 1);
    first.recordResult('1', 'nonprod', { ok: true }, 2);
    first.recordIntent('2', 'nonprod', 3);
    first.recordResult('2', 'nonprod', { ok: false, message: 'Failed to register client for download.' }, 4);
    first.recordIntent('3', 'direct', 5);
    first.close();
    appendFileSync(path, '{"type":"result","appId":"99","orgId":"3","st'); // killed mid-write

    const second = openActivationJournal(path, '99');
    assert.equal(second.hasSucceeded('1', 'nonprod'), true);
    assert.equal(second.hasSucceeded('1', 'prod'), false);
    assert.deepEqual(second.failures(), { '2': 'Failed to register client for download.' });
    assert.equal(second.unfinished(), 1);
    second.recordResult('2', 'nonprod', { ok: true }, 6);
    second.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(
      lines.at(-2),
      '{"type":"result","appId":"99","orgId":"2","step":"nonprod","ok":true,"at":6}',
    );

    const third = openActivationJournal(path, '99');
    assert.deepEqual(third.failures(), {});
    third.close();
    const other = openActivationJournal(path, 'other-app');
    assert.equal(other.hasSucceeded('1', 'nonprod'), false);
    other.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
