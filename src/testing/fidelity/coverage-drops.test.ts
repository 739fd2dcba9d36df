import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCoverageDrops } from './coverage-drops.ts';

test('dropped counts with a reason explain their own type only, summed over queries', () => {
  const drops = readCoverageDrops({
    entries: [
      { resourceType: 'Observation', status: 'dropped', dropped: 3, dropReasons: { 'id not path-safe': 3 } },
      {
        resourceType: 'Observation',
        status: 'dropped',
        dropped: 2,
        dropReasons: [{ reason: 'x', count: 2 }],
      },
      { resourceType: 'Condition', status: 'received', dropped: 0, reason: null },
    ],
  });
  assert.deepEqual([...drops.counted], [['Observation', 5]]);
  assert.deepEqual([...drops.uncounted], []);
});

test('a count without any reason explains nothing', () => {
  const drops = readCoverageDrops({ entries: [{ resourceType: 'Media', status: 'dropped', dropped: 4 }] });
  assert.deepEqual([...drops.counted], []);
});

test('refused, rejected and failed queries flag their type without explaining a number', () => {
  const drops = readCoverageDrops({
    entries: [
      { resourceType: 'Observation', status: 'rejected', reason: 'category required' },
      { resourceType: 'Goal', status: 'none', reason: 'the server returned none' },
      { resourceType: 'Specimen', status: 'failed', reason: null },
    ],
  });
  assert.deepEqual([...drops.counted], []);
  assert.deepEqual([...drops.uncounted], ['Observation']);
});

test('attachments not stored count as dropped Binaries; informational fields do not', () => {
  const drops = readCoverageDrops({
    entries: [],
    attachments: { wanted: 9, fetched: 5, failed: 2, outsideBase: [{ origin: 'x' }], tooLarge: { count: 1 } },
  });
  assert.deepEqual([...drops.counted], [['Binary', 4]]);
});
