import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusText } from './status-text.ts';

describe('statusText', () => {
  it('says every connection status in plain words, for the patient and the operator', () => {
    const patient = ['active', 'needs_reauth', 'key_error', 'error', 'revoked'].map((s) =>
      statusText('connection', s, 'patient'),
    );
    assert.deepEqual(patient, [
      'Connected',
      'Needs you to sign in again',
      'Not working right now',
      'Not working right now',
      'Disconnected',
    ]);
    assert.equal(statusText('connection', 'needs_reauth', 'operator'), 'Patient must sign in again');
    assert.equal(statusText('connection', 'key_error', 'operator'), 'Key refused');
  });
  it('reads the same code by what it is the status of', () => {
    assert.equal(statusText('key', 'active', 'operator'), 'Signing');
    assert.equal(statusText('run', 'succeeded', 'operator'), 'Finished');
    assert.equal(statusText('check', 'fail', 'operator'), 'Failed');
  });
  it('shows an unknown status as itself without underscores, and never an inherited property', () => {
    assert.equal(statusText('run', 'some_new_state', 'operator'), 'some new state');
    assert.equal(statusText('connection', 'constructor', 'patient'), 'constructor');
  });
});
