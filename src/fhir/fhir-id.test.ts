import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUnsafeId, isSafeFhirId, MAX_FHIR_ID_LENGTH } from './fhir-id.ts';

describe('isSafeFhirId', () => {
  it('accepts what real servers send, up to 1024 characters', () => {
    const accepted = [
      'a',
      'eNjRLq7yfvbXzhvUhGd3Hg8zNqL3bqKp7sH0xH1qTb2vZpQ3', // Epic-like
      `e${'k0.vQ-'.repeat(21)}x`, // 128 characters of letters, digits, '.' and '-'
      'a-80000.E-14545',
      '0f'.repeat(48), // payer hex, 96 characters
      'x'.repeat(MAX_FHIR_ID_LENGTH),
      'a:b@c=d+e',
      '...', // three dots is an ordinary segment, not a dot segment
    ];
    for (const id of accepted) assert.equal(isSafeFhirId(id), true, id);
  });

  it('refuses what could escape a path or a url', () => {
    const refused = [
      '',
      '.',
      '..',
      'a/b',
      '../etc',
      'a\\b',
      '%2e%2e',
      'a%2Fb',
      'a?b',
      'a#b',
      'a b',
      'a\tb',
      'a\u0000b',
      'a\u007fb',
      'é',
      'x'.repeat(MAX_FHIR_ID_LENGTH + 1),
    ];
    for (const id of refused) assert.equal(isSafeFhirId(id), false, JSON.stringify(id));
    assert.equal(isSafeFhirId(undefined), false);
    assert.equal(isSafeFhirId(12), false);
  });

  it('explains a refusal without quoting the id', () => {
    assert.equal(describeUnsafeId(undefined), 'no id');
    assert.equal(describeUnsafeId('x'.repeat(1025)), 'an id longer than 1024 characters');
    assert.equal(describeUnsafeId('a/b'), 'an id that is not safe in a url path');
  });
});
