import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCoverageDrops } from './coverage-drops.ts';

const types = new Set(['Observation', 'Condition', 'Practitioner', 'Binary', 'Goal', 'Specimen']);

test("dropped counts explain their own query's type, summed over queries", () => {
  const drops = readCoverageDrops(
    {
      entries: [
        {
          resourceType: 'Observation',
          status: 'dropped',
          dropped: 3,
          dropReasons: [{ reason: 'entry id not safe as a path segment', count: 3 }],
        },
        {
          resourceType: 'Observation',
          status: 'dropped',
          dropped: 2,
          dropReasons: [{ reason: 'x', count: 2 }],
        },
        { resourceType: 'Condition', status: 'received', dropped: 0, dropReasons: [], reason: null },
      ],
    },
    types,
  );
  assert.deepEqual([...drops.counted], [['Observation', 5]]);
  assert.deepEqual([...drops.uncounted], []);
});

test('a reason that names another type first is charged to that type, not to the query', () => {
  const drops = readCoverageDrops(
    {
      entries: [
        {
          resourceType: 'Patient',
          status: 'dropped',
          dropped: 4,
          dropReasons: [
            { reason: 'Condition entry with an invalid id', count: 3 },
            { reason: 'Unknown words first', count: 1 },
          ],
        },
      ],
    },
    types,
  );
  assert.deepEqual(
    [...drops.counted],
    [
      ['Condition', 3],
      ['Patient', 1],
    ],
  );
});

test('a count without any reason explains nothing', () => {
  const drops = readCoverageDrops(
    { entries: [{ resourceType: 'Goal', status: 'dropped', dropped: 4 }] },
    types,
  );
  assert.deepEqual([...drops.counted], []);
});

test('refused, rejected and failed queries flag their type without explaining a number', () => {
  const drops = readCoverageDrops(
    {
      entries: [
        { resourceType: 'Observation', status: 'rejected', reason: 'category required' },
        { resourceType: 'Goal', status: 'none', reason: 'the server returned none' },
        { resourceType: 'Specimen', status: 'failed', reason: null },
      ],
    },
    types,
  );
  assert.deepEqual([...drops.counted], []);
  assert.deepEqual([...drops.uncounted], ['Observation']);
});

test('attachment reasons explain Binaries; reference reasons only the type they name', () => {
  const drops = readCoverageDrops(
    {
      entries: [],
      attachments: { fetched: 5, dropped: 1, unavailable: 2, reasons: [{ reason: 'http 500', count: 3 }] },
      references: {
        fetched: 4,
        dropped: 2,
        reasons: [
          { reason: 'Practitioner reads refused by chartbridge: id not safe', count: 1 },
          { reason: 'reads answered with a different resource', count: 1 },
        ],
      },
    },
    types,
  );
  assert.deepEqual(
    [...drops.counted],
    [
      ['Practitioner', 1],
      ['Binary', 3],
    ],
  );
});
