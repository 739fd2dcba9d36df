import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceRecord } from '../store/resources-repository.ts';
import { splitIntoChunks } from './commit-page.ts';

const record = (id: number, bytes: number): ResourceRecord => ({
  resourceType: 'Observation',
  id: `o${id}`,
  versionId: null,
  lastUpdated: null,
  versionRank: '',
  json: 'x'.repeat(bytes),
  hash: '',
});

describe('page commits in chunks (issue 14)', () => {
  it('keeps a normal page in one transaction', () => {
    const chunks = splitIntoChunks(Array.from({ length: 100 }, (_, i) => record(i, 2_000)));
    assert.deepEqual(
      chunks.map((c) => c.length),
      [100],
    );
  });

  it('splits by count (500) and by bytes (8 MiB), never leaving a resource out', () => {
    const byCount = splitIntoChunks(Array.from({ length: 1_201 }, (_, i) => record(i, 10)));
    assert.deepEqual(
      byCount.map((c) => c.length),
      [500, 500, 201],
    );
    const byBytes = splitIntoChunks(Array.from({ length: 10 }, (_, i) => record(i, 3 * 1024 * 1024)));
    assert.deepEqual(
      byBytes.map((c) => c.length),
      [2, 2, 2, 2, 2],
    );
    const oneHuge = splitIntoChunks([record(0, 20 * 1024 * 1024), record(1, 1)]);
    assert.deepEqual(
      oneHuge.map((c) => c.map((r) => r.id)),
      [['o0'], ['o1']],
    );
    assert.deepEqual(splitIntoChunks([]), [[]]);
  });
});
