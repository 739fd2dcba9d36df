import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import type { PlannedQuery } from './query-plan.ts';
import { listCompleteTypes } from './vanished-types.ts';

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

describe('vanished-resource removal with multi-type queries', () => {
  const query = (key: string, also?: string[]): PlannedQuery => ({
    key,
    resourceType: key.split(':')[0]!,
    category: key.split(':')[1] ?? null,
    path: '',
    incremental: false,
    ...(also ? { also } : {}),
  });
  const referenceTypes = ['Organization', 'Practitioner'];

  it('removes nothing while $everything is unfinished, and any stored type once it is done', () => {
    const queries = [query('Patient'), query('Patient:$everything', ['*']), query('Goal')];
    const storedTypes = ['ExplanationOfBenefit', 'Coverage', 'Organization', 'Goal'];
    const states = new Map([
      ['Patient', state({ query_key: 'Patient' })],
      ['Patient:$everything', state({ query_key: 'Patient:$everything', status: 'failed' })],
      ['Goal', state({ query_key: 'Goal' })],
    ]);
    const input = { queries, states, storedTypes, referenceTypes, referencesDone: true };
    assert.deepEqual(listCompleteTypes(input), []);
    states.set('Patient:$everything', state({ query_key: 'Patient:$everything' }));
    assert.deepEqual(listCompleteTypes(input), [
      'Coverage',
      'ExplanationOfBenefit',
      'Goal',
      'Organization',
      'Patient',
      'Practitioner',
    ]);
    states.set('Goal', state({ query_key: 'Goal', status: 'failed' }));
    assert.deepEqual(listCompleteTypes({ ...input, referencesDone: false }), [
      'Coverage',
      'ExplanationOfBenefit',
      'Patient',
    ]);
  });

  it('counts included Provenance and category replacements', () => {
    const queries = [
      query('Observation', ['Provenance']),
      query('Observation:laboratory', ['Provenance']),
      query('Condition', ['Provenance']),
    ];
    const states = new Map([
      ['Observation', rejected('Observation', 'Either a code or a category is required.')],
      ['Observation:laboratory', state({ query_key: 'Observation:laboratory' })],
      ['Condition', state({ query_key: 'Condition' })],
    ]);
    const input = { queries, states, storedTypes: [], referenceTypes, referencesDone: false };
    assert.deepEqual(listCompleteTypes(input), ['Condition', 'Observation', 'Provenance']);
    states.set('Condition', state({ query_key: 'Condition', status: 'not_available', http_status: 403 }));
    assert.deepEqual(listCompleteTypes(input), ['Observation']);
  });
});
