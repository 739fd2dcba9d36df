import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { buildLaunchScope, DEFAULT_RESOURCE_TYPES } from '../smart/authorize-url.ts';
import { selectOfferedTypes } from '../smart/patient-scopes.ts';
import { asksForCategory, fanOutByCategory } from './category-fan-out.ts';
import { buildEpicPlan } from './epic-plan.ts';
import { isReplaced } from './follow-up-queries.ts';
import { buildGenericPlan } from './generic-plan.ts';
import type { PlannedQuery } from './query-plan.ts';

const ALL = 'patient/*.read';

function state(fields: Partial<SyncQueryStateRow> & { query_key: string }): SyncQueryStateRow {
  return {
    run_id: 'r',
    resource_type: fields.query_key.split(':')[0]!,
    category: fields.query_key.split(':')[1] ?? null,
    status: 'done',
    next_url: null,
    resources: 0,
    pages: 0,
    bytes: 0,
    http_status: 200,
    reason: null,
    warnings: '[]',
    dropped: 0,
    drop_reasons: '{}',
    unavailable: 0,
    updated_at: 0,
    ...fields,
  };
}

const rejected = (key: string, reason: string) =>
  state({ query_key: key, status: 'not_available', http_status: 400, reason });

describe('generic plan fallbacks', () => {
  it("falls back to US Core's patient searches when /metadata could not be read", () => {
    const plan = buildGenericPlan(undefined, { patientId: 'p 1', scope: ALL, pageSize: 50 });
    assert.deepEqual(
      plan.queries.map((q) => q.path),
      [
        'Patient/p%201',
        ...[
          'AllergyIntolerance',
          'CarePlan',
          'CareTeam',
          'Condition',
          'Coverage',
          'Device',
          'DiagnosticReport',
          'DocumentReference',
          'Encounter',
          'ExplanationOfBenefit',
          'FamilyMemberHistory',
          'Goal',
          'Immunization',
          'Media',
          'MedicationAdministration',
          'MedicationDispense',
          'MedicationRequest',
          'MedicationStatement',
          'Observation',
          'Procedure',
          'Provenance',
          'QuestionnaireResponse',
          'ServiceRequest',
          'Specimen',
        ].map((type) => `${type}?patient=p+1&_count=50`),
      ],
    );
    assert.equal(plan.queries.filter((q) => q.incremental).length, 0);
    assert.equal(plan.afterEverything, undefined);
    assert.deepEqual(plan.warnings, [
      "the capability statement could not be read; asked for US Core's patient searches instead",
    ]);
  });

  it('uses US Core searches for the listed types when the statement names no search parameters', () => {
    const capability = {
      rest: [
        {
          mode: 'server',
          resource: ['Observation', 'Goal', 'Practitioner', 'Basic'].map((type) => ({ type })),
        },
      ],
    };
    const plan = buildGenericPlan(capability, { patientId: '7', scope: ALL });
    assert.deepEqual(
      plan.queries.map((q) => q.key),
      ['Patient', 'Goal', 'Observation'],
    );
  });

  it('includes Provenance with the searches that list it, else searches it by patient', () => {
    const search = [{ name: 'patient' }, { name: '_lastUpdated' }];
    const capability = {
      rest: [
        {
          mode: 'server',
          resource: [
            { type: 'Condition', searchParam: search, searchRevInclude: ['Provenance:target'] },
            { type: 'Goal', searchParam: search },
            { type: 'Provenance', searchParam: search },
          ],
        },
      ],
    };
    const plan = buildGenericPlan(capability, { patientId: '7', scope: ALL });
    assert.deepEqual(
      plan.queries.map((q) => [q.path, q.also]),
      [
        ['Patient/7', undefined],
        ['Condition?patient=7&_count=100&_revinclude=Provenance%3Atarget', ['Provenance']],
        ['Goal?patient=7&_count=100', undefined],
        // The patient's own Provenance: the Patient is read by id, so only a `Patient?_id` search includes it.
        ['Patient?_id=7&_revinclude=Provenance%3Atarget', ['Patient']],
      ],
    );
    const withoutProvenance = buildGenericPlan(capability, {
      patientId: '7',
      scope: 'patient/Condition.read patient/Goal.read',
    });
    assert.deepEqual(
      withoutProvenance.queries.map((q) => q.path),
      ['Condition?patient=7&_count=100', 'Goal?patient=7&_count=100'],
    );
    assert.deepEqual(
      withoutProvenance.skipped.map((s) => [s.key, s.reason]),
      [
        ['Patient', "not granted: the access token's scope does not include patient/Patient.read"],
        ['Provenance', "not granted: the access token's scope does not include patient/Provenance.read"],
      ],
    );
  });

  it('asks $everything first where offered or for a payer, and keeps the searches for afterwards', () => {
    const capability = {
      rest: [
        {
          mode: 'server',
          resource: [
            { type: 'Patient', operation: [{ name: 'everything' }] },
            { type: 'ExplanationOfBenefit', searchParam: [{ name: 'patient' }] },
            { type: 'Coverage', searchParam: [{ name: 'patient' }] },
          ],
        },
      ],
    };
    const plan = buildGenericPlan(capability, { patientId: 'x', scope: ALL, pageSize: 20 });
    assert.deepEqual(
      plan.queries.map((q) => [q.key, q.path, q.also]),
      [
        ['Patient', 'Patient/x', undefined],
        ['Patient:$everything', 'Patient/x/$everything?_count=20', ['*']],
      ],
    );
    assert.deepEqual(
      plan.afterEverything?.map((q) => q.key),
      ['ExplanationOfBenefit', 'Coverage'],
    );
    const payer = buildGenericPlan(undefined, { patientId: 'x', scope: ALL, kind: 'payer' });
    assert.deepEqual(
      payer.queries.map((q) => q.key),
      ['Patient', 'Patient:$everything'],
    );
    assert.equal(payer.afterEverything?.length, 24);
  });

  it("includes Provenance in Epic's searches when granted, leaving the plan's shape", () => {
    const plan = buildEpicPlan({ patientId: 'e', scope: 'patient/Observation.read patient/Provenance.read' });
    assert.equal(plan.queries.length, 18);
    assert.deepEqual(
      [plan.queries[17]!.key, plan.queries[17]!.path],
      ['Provenance:Patient', 'Patient?_id=e&_revinclude=Provenance%3Atarget'],
    );
    assert.equal(
      plan.queries[0]!.path,
      'Observation?patient=e&category=laboratory&_count=100&_revinclude=Provenance%3Atarget',
    );
    assert.deepEqual(plan.queries[0]!.also, ['Provenance']);
  });

  it('asks every US Core type, the CARIN Blue Button types and the referenced ones at launch (SMART v1)', () => {
    const scope = buildLaunchScope().split(' ');
    for (const type of ['MedicationStatement', 'ExplanationOfBenefit', 'Coverage', 'RelatedPerson', 'Media'])
      assert.ok(scope.includes(`patient/${type}.read`), type);
    assert.equal(scope.filter((s) => s.startsWith('patient/')).length, 32);
  });

  it("narrows the launch to the types a server's scopes_supported names, unless it names none or a wildcard", () => {
    assert.deepEqual(
      selectOfferedTypes(DEFAULT_RESOURCE_TYPES, [
        'openid',
        'patient/Patient.read',
        'patient/ExplanationOfBenefit.rs',
        'patient/Coverage.read',
        'user/Observation.read',
      ]),
      ['Patient', 'Coverage', 'ExplanationOfBenefit'],
    );
    assert.equal(selectOfferedTypes(DEFAULT_RESOURCE_TYPES, ['openid', 'patient/*.read']).length, 32);
    assert.equal(selectOfferedTypes(DEFAULT_RESOURCE_TYPES, []).length, 32);
  });
});

describe('category fan-out', () => {
  const plain: PlannedQuery = {
    key: 'Observation',
    resourceType: 'Observation',
    category: null,
    path: 'Observation?patient=9&_count=100',
    incremental: true,
  };
  const options = { patientId: '9', count: '100' };

  it("searches by US Core category when a 400 asks for a category or code, in the server's words", () => {
    for (const words of [
      "rejected by the server (http 400): error processing: Search for observation resource must have 'code' or 'category'",
      'rejected by the server (http 400): error 4100: Does not know how to handle get operation with parameter [patient,_count]',
      'rejected by the server (http 400): fatal 59108: Either a code or a category is required.',
    ]) {
      const fanned = fanOutByCategory(plain, rejected('Observation', words), options);
      assert.equal(fanned.length, 17, words);
      assert.deepEqual(fanned[1], {
        key: 'Observation:vital-signs',
        resourceType: 'Observation',
        category: 'vital-signs',
        path: 'Observation?patient=9&category=vital-signs&_count=100',
        incremental: true,
        windowable: true,
      });
    }
    const condition = { ...plain, key: 'Condition', resourceType: 'Condition', also: ['Provenance'] };
    assert.deepEqual(
      fanOutByCategory(
        condition,
        rejected('Condition', 'rejected (http 400): A category is required.'),
        options,
      ).map((q) => q.path),
      ['problem-list-item', 'encounter-diagnosis', 'health-concern'].map(
        (c) => `Condition?patient=9&category=${c}&_count=100&_revinclude=Provenance%3Atarget`,
      ),
    );
  });

  it('leaves other rejections, refusals, category searches and types without categories alone', () => {
    const other = rejected('Observation', 'rejected by the server (http 400): fatal 4100: invalid _count');
    assert.deepEqual(fanOutByCategory(plain, other, options), []);
    const refused = state({
      query_key: 'Observation',
      status: 'not_available',
      http_status: 403,
      reason: 'category',
    });
    assert.equal(asksForCategory(refused), false);
    const lab = { ...plain, key: 'Observation:laboratory', category: 'laboratory' };
    assert.deepEqual(
      fanOutByCategory(lab, rejected('Observation:laboratory', 'a category is required'), options),
      [],
    );
    const goal = { ...plain, key: 'Goal', resourceType: 'Goal' };
    assert.deepEqual(fanOutByCategory(goal, rejected('Goal', 'a category is required'), options), []);
  });

  it('hides a rejection from coverage only once its replacements exist', () => {
    const parent = rejected('Observation', 'Either a code or a category is required.');
    assert.equal(isReplaced(parent, new Set(['Observation'])), false);
    assert.equal(isReplaced(parent, new Set(['Observation', 'Observation:survey'])), true);
    const patient = state({ query_key: 'Patient', status: 'not_available', http_status: 404 });
    assert.equal(isReplaced(patient, new Set(['Patient', 'Patient:_id'])), true);
  });
});
