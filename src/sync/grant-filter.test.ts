import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLaunchScope } from '../smart/authorize-url.ts';
import { buildEpicPlan } from './epic-plan.ts';
import { buildGenericPlan } from './generic-plan.ts';
import { isNotShared, splitByScope } from './grant-filter.ts';
import { buildQueryKey, buildSearchPath, type PlannedQuery } from './query-plan.ts';
import { buildCategoryQuery, US_CORE_CATEGORIES } from './us-core-searches.ts';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const plain = (type: string): PlannedQuery => ({
  key: buildQueryKey(type, null),
  resourceType: type,
  category: null,
  path: buildSearchPath(type, 'p', { _count: '100' }),
  incremental: true,
});
const patientRead: PlannedQuery = {
  key: 'Patient',
  resourceType: 'Patient',
  category: null,
  path: 'Patient/p',
  incremental: false,
};
const candidates = [
  patientRead,
  plain('Observation'),
  buildCategoryQuery('Observation', 'vital-signs', { patientId: 'p', count: '100' }),
  plain('Condition'),
];
const requestedV2 = buildLaunchScope(['Patient', 'Observation', 'Condition'], 'v2');

test('a granular grant searches exactly its categories; the rest is not shared by the patient', () => {
  const plan = splitByScope(
    'generic',
    candidates,
    `openid patient/Patient.rs patient/Observation.rs?category=${LAB}`,
    requestedV2,
  );
  assert.deepEqual(
    plan.queries.map((q) => [q.key, q.category, q.path, q.windowable ?? false]),
    [
      ['Patient', null, 'Patient/p', false],
      [
        'Observation:laboratory',
        'laboratory',
        'Observation?patient=p&_count=100&category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category%7Claboratory',
        true,
      ],
    ],
  );
  const skipped = new Map(plan.skipped.map((s) => [s.key, s.reason]));
  // Every other US Core Observation category once, and Condition: each the patient's choice.
  assert.equal(plan.skipped.length, US_CORE_CATEGORIES.Observation!.length - 1 + 1);
  assert.equal(
    skipped.get('Observation:vital-signs'),
    'not shared by the patient: the patient did not allow Observation (vital-signs) when they approved access',
  );
  assert.equal(
    skipped.get('Condition'),
    'not shared by the patient: the patient did not allow Condition when they approved access',
  );
  assert.ok(plan.skipped.every((s) => isNotShared(s.reason)));
});

test('what was never asked is "not granted", in the grammar that was asked', () => {
  const plan = splitByScope(
    'generic',
    candidates,
    'patient/Patient.rs patient/Observation.rs',
    'patient/Patient.rs patient/Observation.rs',
  );
  assert.deepEqual(
    plan.queries.map((q) => q.key),
    ['Patient', 'Observation', 'Observation:vital-signs'],
  );
  assert.deepEqual(plan.skipped, [
    {
      key: 'Condition',
      resourceType: 'Condition',
      category: null,
      reason: "not granted: the access token's scope does not include patient/Condition.rs",
    },
  ]);
  // No requested scope stored (connections before migration 014): v1 words, as before.
  assert.equal(
    splitByScope('generic', candidates, 'patient/Observation.read').skipped.find((s) => s.key === 'Condition')
      ?.reason,
    "not granted: the access token's scope does not include patient/Condition.read",
  );
});

test('the Epic plan asks the same searches whatever was requested (v1 default path unchanged)', () => {
  const scope = buildLaunchScope();
  const before = buildEpicPlan({ patientId: 'e', scope });
  const after = buildEpicPlan({ patientId: 'e', scope, requestedScope: scope });
  assert.deepEqual(after, before);
  assert.equal(before.skipped.length, 0);
  // A v2 grant of the same types plans the same searches.
  const v2 = buildEpicPlan({ patientId: 'e', scope: buildLaunchScope(undefined, 'v2') });
  assert.deepEqual(v2.queries, before.queries);
});

test('a generic plan after $everything keeps the narrowed searches for afterwards', () => {
  const plan = buildGenericPlan(undefined, {
    patientId: 'p',
    scope: `patient/Patient.rs patient/Observation.rs?category=${LAB}`,
    requestedScope: requestedV2,
    kind: 'payer',
  });
  assert.deepEqual(
    plan.queries.map((q) => q.key),
    ['Patient', 'Patient:$everything'],
  );
  assert.deepEqual(
    plan.afterEverything?.map((q) => q.key),
    ['Observation:laboratory'],
  );
});

test('a v1 launch keeps "not granted": the registration, not the patient, decides there', () => {
  const requested = buildLaunchScope(['Patient', 'Observation', 'Condition']);
  const plan = splitByScope('epic', candidates, 'patient/Patient.read patient/Observation.read', requested);
  assert.deepEqual(
    plan.skipped.map((s) => s.reason),
    ["not granted: the access token's scope does not include patient/Condition.read"],
  );
});
