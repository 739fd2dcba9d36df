import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { commitPage } from './commit-page.ts';
import { buildEpicPlan } from './epic-plan.ts';
import { buildGenericPlan } from './generic-plan.ts';
import { allowsRead } from './query-plan.ts';
import { defaultSyncLimits, type SyncContext } from './sync-context.ts';
import { windowCountFor } from './care-timeline.ts';
import { planWindows } from './windowed-query.ts';

describe('query plans', () => {
  it('plans every Epic type and category the scopes allow, and reports the rest as not granted', () => {
    const plan = buildEpicPlan({
      patientId: 'e1.x-Y',
      scope: 'openid patient/Patient.read patient/Observation.read launch/patient',
    });
    assert.equal(plan.queries[0]!.path, 'Patient/e1.x-Y');
    const observation = plan.queries.filter((q) => q.resourceType === 'Observation');
    assert.equal(observation.length, 17);
    assert.equal(observation[0]!.path, 'Observation?patient=e1.x-Y&category=laboratory&_count=100');
    assert.deepEqual(
      plan.queries.filter((q) => q.windowable).map((q) => q.key),
      ['Observation:laboratory', 'Observation:vital-signs'],
    );
    const skipped = new Map(plan.skipped.map((s) => [s.key, s.reason]));
    assert.equal(
      skipped.get('Condition:problem-list-item'),
      "not granted: the access token's scope does not include patient/Condition.read",
    );
    assert.equal(skipped.size, 3 + 3 + 1 + 17);
    assert.equal(buildEpicPlan({ patientId: 'p', scope: 'patient/*.read' }).skipped.length, 0);
  });

  it('reads SMART v1 and v2 scopes', () => {
    assert.equal(allowsRead('patient/Observation.rs', 'Observation'), true);
    assert.equal(allowsRead('patient/*.r', 'Goal'), true);
    assert.equal(allowsRead('user/Goal.read', 'Goal'), true);
    assert.equal(allowsRead('patient/Observation.c', 'Observation'), false);
    assert.equal(allowsRead('patient/Observation.read', 'Goal'), false);
    assert.equal(allowsRead('', 'Goal'), false);
  });

  it('derives a generic plan from the CapabilityStatement and the scopes', () => {
    const capability = {
      resourceType: 'CapabilityStatement',
      rest: [
        {
          mode: 'server',
          resource: [
            {
              type: 'Observation',
              interaction: [{ code: 'search-type' }],
              searchParam: [{ name: 'patient' }, { name: '_lastUpdated' }],
            },
            { type: 'Goal', interaction: [{ code: 'read' }], searchParam: [{ name: 'patient' }] },
            {
              type: 'Practitioner',
              interaction: [{ code: 'search-type' }],
              searchParam: [{ name: 'patient' }],
            },
            { type: '../Evil', searchParam: [{ name: 'patient' }] },
            { type: 'Immunization', searchParam: [{ name: 'patient' }] },
          ],
        },
      ],
    };
    const plan = buildGenericPlan(capability, {
      patientId: '42',
      scope: 'patient/Patient.read patient/Observation.read',
    });
    assert.deepEqual(
      plan.queries.map((q) => [q.key, q.path, q.incremental]),
      [
        ['Patient', 'Patient/42', false],
        ['Observation', 'Observation?patient=42&_count=100', true],
      ],
    );
    assert.deepEqual(
      plan.skipped.map((s) => s.key),
      ['Immunization'],
    );
  });

  it('cuts date windows at the care timeline quantiles, partitioning all of time, fullest first', () => {
    // 400 care events: 100 spread over 1990–1999, 300 in 2020 alone.
    const times = [
      ...Array.from({ length: 100 }, (_, i) => Date.UTC(1990, 0, 1) + i * 36 * 86_400_000),
      ...Array.from({ length: 300 }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000),
    ];
    // The first page, oldest first, ends after 10 of the 400 events: about 40 pages, so 4 windows of about 10.
    const firstPage = times.slice(0, 10);
    const windows = planWindows(times, firstPage);
    assert.equal(windows.length, 4);
    const inTime = [...windows].sort((a, b) => (a.lo ?? -Infinity) - (b.lo ?? -Infinity));
    assert.equal(inTime[0]!.lo, undefined);
    assert.equal(inTime.at(-1)!.hi, undefined);
    for (let i = 1; i < inTime.length; i += 1) assert.equal(inTime[i]!.lo, inTime[i - 1]!.hi);
    // Three of the four windows fall inside 2020, where three quarters of the care happened.
    assert.equal(inTime.filter((w) => w.lo !== undefined && w.lo >= Date.UTC(2020, 0, 1)).length, 3);
    assert.deepEqual(
      windows.map((w) => w.share),
      [0.25, 0.25, 0.25, 0.25],
    );
    assert.deepEqual(planWindows(times.slice(0, 19), firstPage), []);
  });

  it('sizes the window count from a first page in date order, else from the timeline', () => {
    const times = Array.from({ length: 640 }, (_, i) => Date.UTC(2000, 0, 1) + i * 86_400_000);
    // Newest first, reaching back over the last 64 of 640 events: about 10 pages, so 2 windows (the minimum).
    assert.equal(windowCountFor(times, times.slice(-64).reverse()), 2);
    // Oldest first, ending at event 20 of 640: about 32 pages, so 4 windows.
    assert.equal(windowCountFor(times, times.slice(0, 20)), 4);
    // A page ending before every event says the search is huge: the cap.
    assert.equal(windowCountFor(times, [0, 1]), 32);
    // In no order: one window per 32 events of the timeline.
    assert.equal(windowCountFor(times, [times[5]!, times[1]!, times[9]!]), 20);
  });
});

describe('page commits (case 24)', () => {
  it('retries a page whose commit failed and gives up after the configured attempts', async () => {
    let calls = 0;
    const sleeps: number[] = [];
    const ctx = {
      connectionId: 'c',
      runId: 'r',
      clock: createManualClock(),
      log: createSilentLogger(),
      limits: { ...defaultSyncLimits, commitAttempts: 3 },
      sleep: async (ms: number) => void sleeps.push(ms),
      repos: {
        resources: {
          ingestPage: async () => {
            calls += 1;
            if (calls < 3) throw new Error('SQLITE_BUSY: database is locked');
          },
        },
      },
    } as unknown as SyncContext;
    await commitPage(ctx, [], undefined);
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [200, 400]);
    calls = -10;
    await assert.rejects(commitPage(ctx, [], undefined), /database is locked/);
    assert.equal(calls, -7);
  });
});
