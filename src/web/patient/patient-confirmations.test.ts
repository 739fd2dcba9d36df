import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PatientConnectionView } from './connection-view.ts';
import { patientConfirmation } from './patient-confirmations.ts';

const view = {
  id: 'con_1',
  hospital: 'Northwind General Hospital',
  status: 'active',
  resources: 12,
} as PatientConnectionView;

test('disconnect says when the copy goes: after CHARTBRIDGE_REVOKED_DATA_DAYS, or kept when it is 0', () => {
  const copyLine = (days: number) =>
    patientConfirmation('disconnect', view, 'csrf', days).consequences.find((line) =>
      line.startsWith('The copy kept here'),
    );
  assert.equal(
    copyLine(30),
    'The copy kept here (12 items) is deleted automatically 30 days after you disconnect; you can delete it sooner from My hospitals.',
  );
  assert.equal(
    copyLine(1),
    'The copy kept here (12 items) is deleted automatically 1 day after you disconnect; you can delete it sooner from My hospitals.',
  );
  assert.equal(copyLine(0), 'The copy kept here (12 items) is kept until you delete it from My hospitals.');
});
