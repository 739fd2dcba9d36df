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

describe('statusText for the record', () => {
  it('says the clinical statuses of problems, medications, immunizations and allergies in plain words', () => {
    const said = (kind: Parameters<typeof statusText>[0], codes: string[]) =>
      codes.map((code) => statusText(kind, code, 'patient'));
    assert.deepEqual(said('clinical', ['active', 'recurrence', 'inactive', 'remission', 'resolved']), [
      'Active',
      'Came back',
      'Inactive',
      'In remission',
      'Resolved',
    ]);
    assert.deepEqual(said('medication', ['active', 'on-hold', 'completed', 'stopped', 'entered-in-error']), [
      'Taking',
      'On hold',
      'Finished',
      'Stopped',
      'Entered in error',
    ]);
    assert.deepEqual(said('immunization', ['completed', 'not-done']), ['Given', 'Not given']);
    assert.deepEqual(said('criticality', ['high', 'unable-to-assess']), ['High risk', 'Risk not known']);
    assert.equal(statusText('medication', 'some-new-code', 'patient'), 'some new code');
    assert.deepEqual(said('coverage', ['received', 'none', 'not_granted', 'refused']), [
      'Received',
      'None on record',
      'Not granted',
      'Refused',
    ]);
  });
});
