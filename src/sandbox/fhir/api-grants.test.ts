import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiGrants, parseApiLabel, readAllApiLabels } from './api-grants.ts';
import { allowsByScope } from './scope-access.ts';

describe('Epic API labels', () => {
  it('parses all 90 labels of the fixture list', () => {
    const labels = readAllApiLabels();
    assert.equal(labels.length, 90);
    assert.deepEqual(parseApiLabel('Observation.Search (Vital Signs) (R4)'), {
      label: 'Observation.Search (Vital Signs) (R4)',
      type: 'Observation',
      action: 'Search',
      subType: 'Vital Signs',
    });
    assert.deepEqual(parseApiLabel('Coverage.Read (R4)'), {
      label: 'Coverage.Read (R4)',
      type: 'Coverage',
      action: 'Read',
      subType: undefined,
    });
    assert.equal(parseApiLabel('Observation.Create (Vitals) (R4)'), undefined);
  });

  it('maps sub-types to categories and reports partial grants', () => {
    const all = readAllApiLabels();
    const grants = createApiGrants(
      [
        'Observation.Search (SmartData Elements) (R4)',
        'Condition.Search (Problems) (R4)',
        'Coverage.Read (R4)',
      ],
      all,
    );
    assert.equal(grants.allows('Search', 'Observation', ['exam']), true);
    assert.equal(grants.allows('Search', 'Observation', ['laboratory']), false);
    assert.equal(grants.allows('Search', 'Condition', ['problem-list-item']), true);
    assert.equal(grants.allows('Search', 'Condition', ['health-concern']), false);
    assert.equal(grants.isPartial('Search', 'Condition'), true);
    assert.equal(grants.allows('Read', 'Coverage'), true);
    assert.equal(grants.allows('Search', 'Coverage'), false);
    assert.equal(grants.allows('Search', 'QuestionnaireResponse'), false);
    const everything = createApiGrants([], all);
    assert.equal(everything.allows('Search', 'QuestionnaireResponse'), true);
    assert.equal(everything.isPartial('Search', 'Condition'), false);
  });

  it('applies SMART scopes only when a resource scope is present', () => {
    assert.equal(allowsByScope(['openid', 'fhirUser'], 'Observation', 'search'), true);
    assert.equal(allowsByScope(['patient/*.read'], 'Observation', 'search'), true);
    assert.equal(allowsByScope(['patient/Observation.rs'], 'Observation', 'search'), true);
    assert.equal(allowsByScope(['patient/Observation.r'], 'Observation', 'search'), false);
    assert.equal(allowsByScope(['patient/Observation.r'], 'Observation', 'read'), true);
    assert.equal(allowsByScope(['patient/Condition.read'], 'Observation', 'read'), false);
    assert.equal(
      allowsByScope(['patient/Observation.rs?category=laboratory'], 'Observation', 'search'),
      true,
    );
  });
});
