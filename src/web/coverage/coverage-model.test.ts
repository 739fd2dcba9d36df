import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  labelOf,
  summarizeCoverage,
  toAttachmentCoverage,
  type CoverageReportInput,
} from './coverage-model.ts';

const entry = (
  over: Partial<CoverageReportInput['entries'][number]>,
): CoverageReportInput['entries'][number] => ({
  key: 'Observation:laboratory',
  resourceType: 'Observation',
  category: 'laboratory',
  status: 'received',
  resources: 0,
  reason: null,
  dropped: 0,
  dropReasons: [],
  ...over,
});

test('labels say what a patient calls it; unknown types are spaced out', () => {
  assert.equal(labelOf('Observation', 'laboratory'), 'Lab results');
  assert.equal(labelOf('MedicationRequest', null), 'Medicines prescribed');
  assert.equal(labelOf('NutritionOrder', null), 'Nutrition order');
  assert.equal(labelOf('Observation', 'odd-one'), 'Observations');
  assert.equal(labelOf('constructor', null), 'constructor');
});

test('groups received, not shared, not available, dropped and attachments with counts', () => {
  const report: CoverageReportInput = {
    runId: 'r1',
    runFinishedAt: '2026-12-05T10:00:00.000Z',
    entries: [
      entry({ resources: 12 }),
      entry({ key: 'Condition:a', resourceType: 'Condition', category: null, resources: 2 }),
      entry({ key: 'Condition:b', resourceType: 'Condition', category: null, resources: 3 }),
      entry({ key: 'Immunization', resourceType: 'Immunization', category: null, status: 'refused' }),
      entry({ key: 'Goal', resourceType: 'Goal', category: null, status: 'not_granted' }),
      entry({ key: 'Observation:social-history', category: 'social-history', status: 'not_shared' }),
      entry({ key: 'Device', resourceType: 'Device', category: null, status: 'unsupported' }),
      entry({ key: 'Encounter', resourceType: 'Encounter', category: null, status: 'failed' }),
      entry({ key: 'CarePlan', resourceType: 'CarePlan', category: null, status: 'rejected' }),
      entry({
        key: 'Observation:vital-signs',
        category: 'vital-signs',
        status: 'dropped',
        resources: 40,
        dropped: 3,
        dropReasons: [
          { reason: 'an id that is not safe in a url path', count: 2 },
          { reason: 'no id', count: 1 },
        ],
      }),
      entry({ key: 'Procedure', resourceType: 'Procedure', category: null, status: 'none' }),
    ],
  };
  const attachments = toAttachmentCoverage({
    fetched: 5,
    missing: [
      { reason: 'the server kept answering http 500 after retries', count: 2 },
      { reason: 'outside the fhir base, not fetched', count: 1 },
    ],
  });
  assert.deepEqual(attachments.dropped, 3);
  const view = summarizeCoverage('Northwind', report, attachments);
  assert.deepEqual(view.received, [
    { label: 'Lab results', count: 12, why: null },
    { label: 'Problems and diagnoses', count: 5, why: null },
    { label: 'Vital signs', count: 40, why: null },
  ]);
  assert.deepEqual(
    view.notShared.map((l) => `${l.label}: ${l.why}`),
    [
      'Goals: not part of what you allowed, or not offered to apps',
      'Immunizations: the hospital refused to share it',
      'Implants and devices: the hospital does not offer it to apps',
      'Social history: you chose not to share this when you connected',
    ],
  );
  assert.deepEqual(
    view.notAvailable.map((l) => `${l.label}: ${l.why}`),
    [
      'Care plans: the hospital could not answer our request',
      'Visits: the hospital did not answer; we will try again at the next update',
    ],
  );
  assert.deepEqual(view.dropped, [
    { label: 'Vital signs', count: 2, why: 'an id that is not safe in a url path' },
    { label: 'Vital signs', count: 1, why: 'no id' },
  ]);
  assert.deepEqual(view.attachments, {
    fetched: 5,
    notFetched: [
      { label: 'kept on another website: not fetched with your hospital sign-in', count: 1, why: null },
      {
        label: "the hospital's system failed to send them; we try again at later updates",
        count: 2,
        why: null,
      },
    ],
  });
  assert.equal(view.pending, false);
  assert.equal(summarizeCoverage('x', { ...report, runId: null, entries: [] }, attachments).pending, true);
});
