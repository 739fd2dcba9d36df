import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coversCategorySearch,
  parseGrantedScopes,
  parseResourceScope,
  searchCoverage,
  tokenCode,
} from './granted-scopes.ts';
import { resolveScopeVersion } from './scope-version.ts';
import { loadConfig } from '../config/config.ts';

const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

test('scope items parse to exact grants in both grammars', () => {
  const base = { context: 'patient', resourceType: 'Observation', constraints: [] };
  const cases: [string, object | undefined][] = [
    ['patient/Observation.read', { ...base, version: 'v1', read: true, search: true }],
    ['patient/Observation.*', { ...base, version: 'v1', read: true, search: true }],
    ['patient/Observation.write', { ...base, version: 'v1', read: false, search: false }],
    ['patient/Observation.rs', { ...base, version: 'v2', read: true, search: true }],
    ['patient/Observation.r', { ...base, version: 'v2', read: true, search: false }],
    ['patient/Observation.s', { ...base, version: 'v2', read: false, search: true }],
    ['patient/Observation.cruds', { ...base, version: 'v2', read: true, search: true }],
    ['patient/Observation.cud', { ...base, version: 'v2', read: false, search: false }],
    [
      'user/*.rs',
      { context: 'user', resourceType: '*', constraints: [], version: 'v2', read: true, search: true },
    ],
    [
      `patient/Observation.rs?${LAB}`,
      {
        ...base,
        version: 'v2',
        read: true,
        search: true,
        constraints: [
          {
            name: 'category',
            value: 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
          },
        ],
      },
    ],
    [
      'patient/Observation.rs?category=vital-signs&code=http%3A%2F%2Floinc.org%7C8867-4',
      {
        ...base,
        version: 'v2',
        read: true,
        search: true,
        constraints: [
          { name: 'category', value: 'vital-signs' },
          { name: 'code', value: 'http://loinc.org|8867-4' },
        ],
      },
    ],
    // Letters out of order or repeated, empty permissions, v1 with constraints, junk: not resource scopes.
    ['patient/Observation.sr', undefined],
    ['patient/Observation.rr', undefined],
    ['patient/Observation.', undefined],
    ['patient/Observation.read?category=laboratory', undefined],
    ['patient/Observation.rs?category=', undefined],
    ['patient/Observation.rs?=x', undefined],
    ['patient/Obs-ervation.rs', undefined],
    ['launch/patient', undefined],
    ['openid', undefined],
  ];
  for (const [item, expected] of cases) assert.deepEqual(parseResourceScope(item), expected, item);
});

test('a scope string keeps its resource scopes only, in order', () => {
  const grants = parseGrantedScopes(
    'openid fhirUser launch/patient offline_access patient/Patient.rs  patient/Condition.read bogus',
  );
  assert.deepEqual(
    grants.map((g) => `${g.resourceType}:${g.version}`),
    ['Patient:v2', 'Condition:v1'],
  );
  assert.deepEqual(parseGrantedScopes(''), []);
});

test('search coverage per type: all, some (granular), none', () => {
  const granular = parseGrantedScopes(
    `patient/Patient.rs patient/Observation.rs?${LAB} patient/Observation.rs?category=vital-signs patient/Condition.r`,
  );
  assert.deepEqual(searchCoverage(granular, 'Patient'), { kind: 'all' });
  assert.deepEqual(searchCoverage(granular, 'Condition'), { kind: 'none' });
  assert.deepEqual(searchCoverage(granular, 'Encounter'), { kind: 'none' });
  assert.deepEqual(searchCoverage(granular, 'Observation'), {
    kind: 'some',
    constraints: [
      [{ name: 'category', value: 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory' }],
      [{ name: 'category', value: 'vital-signs' }],
    ],
  });
  // A whole-type scope beside a granular one covers everything; so does a wildcard.
  assert.deepEqual(
    searchCoverage(parseGrantedScopes(`patient/Observation.rs?${LAB} patient/*.rs`), 'Observation'),
    { kind: 'all' },
  );
  assert.deepEqual(searchCoverage(parseGrantedScopes('patient/*.read'), 'Goal'), { kind: 'all' });
  assert.deepEqual(searchCoverage(parseGrantedScopes('system/*.rs'), 'Goal'), { kind: 'none' });
});

test('category searches are covered by code; a plain search is not covered by a granular grant', () => {
  const grants = parseGrantedScopes(`patient/Observation.rs?${LAB} patient/Condition.rs`);
  assert.equal(coversCategorySearch(grants, 'Observation', 'laboratory'), true);
  assert.equal(coversCategorySearch(grants, 'Observation', 'vital-signs'), false);
  assert.equal(coversCategorySearch(grants, 'Observation', null), false);
  assert.equal(coversCategorySearch(grants, 'Condition', null), true);
  assert.equal(coversCategorySearch(grants, 'Condition', 'problem-list-item'), true);
  assert.equal(coversCategorySearch(grants, 'Encounter', null), false);
  assert.equal(tokenCode('http://x|y'), 'y');
  assert.equal(tokenCode('y'), 'y');
});

test('scope version: endpoint, then configuration, then vendor default; auto reads permission-v2', () => {
  const v2Server = ['launch-standalone', 'permission-v1', 'permission-v2'];
  const v1Server = ['launch-standalone', 'permission-v1'];
  const cases: [Parameters<typeof resolveScopeVersion>[0], string][] = [
    [{ endpoint: null, configured: undefined, vendor: 'epic', capabilities: v2Server }, 'v1'],
    [{ endpoint: null, configured: undefined, vendor: 'generic', capabilities: v2Server }, 'v2'],
    [{ endpoint: null, configured: undefined, vendor: 'generic', capabilities: v1Server }, 'v1'],
    [{ endpoint: null, configured: undefined, vendor: 'generic', capabilities: [] }, 'v1'],
    [{ endpoint: null, configured: 'auto', vendor: 'epic', capabilities: v2Server }, 'v2'],
    [{ endpoint: null, configured: 'v1', vendor: 'generic', capabilities: v2Server }, 'v1'],
    [{ endpoint: 'v2', configured: 'v1', vendor: 'epic', capabilities: v1Server }, 'v2'],
    [{ endpoint: 'auto', configured: 'v1', vendor: 'epic', capabilities: v2Server }, 'v2'],
  ];
  for (const [input, expected] of cases)
    assert.equal(resolveScopeVersion(input), expected, JSON.stringify(input));
});

test('CHARTBRIDGE_SCOPE_VERSION is v1, v2 or auto; anything else stops with one line', () => {
  assert.equal(loadConfig({ CHARTBRIDGE_SCOPE_VERSION: 'v2' }).scopeVersion, 'v2');
  assert.equal(loadConfig({}).scopeVersion, undefined);
  assert.throws(() => loadConfig({ CHARTBRIDGE_SCOPE_VERSION: '2' }), {
    message: 'invalid CHARTBRIDGE_SCOPE_VERSION: must be v1, v2 or auto',
  });
});
