import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScopeRegistration, grantConsentedScopes, listConsentBoxes } from './consent-choices.ts';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
const v2 = ['openid', 'launch/patient', 'patient/Patient.rs', 'patient/Observation.rs', 'patient/Goal.rs'];

test('boxes: one per type, one per category of a granular type (v2 only), never the Patient', () => {
  const boxes = listConsentBoxes(v2).map((b) => b.id);
  assert.equal(boxes[0], 'Observation:laboratory');
  assert.ok(boxes.includes('Observation:vital-signs'));
  assert.equal(boxes.at(-1), 'Goal');
  assert.ok(!boxes.includes('Patient') && !boxes.includes('Observation'));
  assert.deepEqual(
    listConsentBoxes(['patient/Observation.read', 'patient/Patient.read']).map((b) => b.id),
    ['Observation'],
  );
});

test('the consent grants exactly what stayed ticked', () => {
  const cases: [string[] | undefined, string[]][] = [
    [undefined, v2],
    [['Observation', 'Goal'], v2],
    [
      ['Observation:laboratory'],
      ['openid', 'launch/patient', 'patient/Patient.rs', `patient/Observation.rs?category=${LAB}`],
    ],
    [
      ['Observation:laboratory', 'Observation:vital-signs', 'Goal'],
      [
        'openid',
        'launch/patient',
        'patient/Patient.rs',
        `patient/Observation.rs?category=${LAB}`,
        `patient/Observation.rs?category=${VITALS}`,
        'patient/Goal.rs',
      ],
    ],
    [[], ['openid', 'launch/patient', 'patient/Patient.rs']],
  ];
  for (const [shared, expected] of cases)
    assert.deepEqual(grantConsentedScopes(v2, shared && new Set(shared)), expected, String(shared));
  // v1 has no granular scopes: a type is shared whole or not at all.
  assert.deepEqual(
    grantConsentedScopes(
      ['patient/Observation.read', 'patient/Goal.read'],
      new Set(['Observation:laboratory']),
    ),
    [],
  );
});

test('a registration refuses requests in the other scope version only', () => {
  assert.match(
    checkScopeRegistration(['openid', 'patient/Observation.read'], 'v2')!,
    /registered for SMART v2/,
  );
  assert.match(checkScopeRegistration(['patient/Observation.rs'], 'v1')!, /registered for SMART v1/);
  assert.equal(checkScopeRegistration(['patient/Observation.rs'], 'v2'), undefined);
  assert.equal(checkScopeRegistration(['patient/Observation.read', 'patient/Goal.rs'], 'v2'), undefined);
  assert.equal(checkScopeRegistration(['openid', 'fhirUser'], 'v2'), undefined);
});
