/** A clinical status reads the same to everyone who sees the record. */
const same = (text: string) => ({ patient: text, operator: text });

/**
 * Every status chartbridge shows, in plain words, in one table: connections (for the patient and the operator),
 * sync runs, signing keys, doctor checks and the clinical statuses of the record's lists (FHIR R4 value sets).
 * Pages never print a raw status code; it stays in the badge's class.
 */
const STATUS_TEXT = {
  connection: {
    active: { patient: 'Connected', operator: 'Connected' },
    needs_reauth: { patient: 'Needs you to sign in again', operator: 'Patient must sign in again' },
    key_error: { patient: 'Not working right now', operator: 'Key refused' },
    error: { patient: 'Not working right now', operator: 'Error' },
    revoked: { patient: 'Disconnected', operator: 'Disconnected' },
  },
  run: {
    queued: { patient: 'Waiting to start', operator: 'Queued' },
    running: { patient: 'Updating', operator: 'Running' },
    succeeded: { patient: 'Up to date', operator: 'Finished' },
    partial: { patient: 'Partly updated', operator: 'Partly finished' },
    failed: { patient: 'Did not finish', operator: 'Failed' },
    retryable: { patient: 'Will try again', operator: 'Will retry' },
    cancelled: { patient: 'Stopped', operator: 'Cancelled' },
  },
  key: {
    active: { patient: 'Signing', operator: 'Signing' },
    published: { patient: 'Published', operator: 'Published' },
    retired: { patient: 'Retired', operator: 'Retired' },
  },
  check: {
    ok: { patient: 'Passed', operator: 'Passed' },
    warn: { patient: 'Warning', operator: 'Warning' },
    fail: { patient: 'Failed', operator: 'Failed' },
  },
  /** A resource type's line in a connection's coverage (src/sync/coverage.ts). */
  coverage: {
    received: same('Received'),
    none: same('None on record'),
    not_granted: same('Not granted'),
    refused: same('Refused'),
    unsupported: same('Not supported'),
    rejected: same('Search rejected'),
    not_available: same('Not available'),
    failed: same('Failed'),
    dropped: same('Some dropped'),
    pending: same('Waiting'),
  },
  /** Condition.clinicalStatus and AllergyIntolerance.clinicalStatus. */
  clinical: {
    active: same('Active'),
    recurrence: same('Came back'),
    relapse: same('Came back'),
    inactive: same('Inactive'),
    remission: same('In remission'),
    resolved: same('Resolved'),
    unknown: same('Status not recorded'),
  },
  /** MedicationRequest.status. */
  medication: {
    active: same('Taking'),
    'on-hold': same('On hold'),
    cancelled: same('Cancelled'),
    completed: same('Finished'),
    'entered-in-error': same('Entered in error'),
    stopped: same('Stopped'),
    draft: same('Not started'),
    unknown: same('Status not recorded'),
  },
  /** Immunization.status. */
  immunization: {
    completed: same('Given'),
    'entered-in-error': same('Entered in error'),
    'not-done': same('Not given'),
  },
  /** AllergyIntolerance.criticality. */
  criticality: {
    low: same('Low risk'),
    high: same('High risk'),
    'unable-to-assess': same('Risk not known'),
  },
} satisfies Record<string, Record<string, Record<StatusReader, string>>>;

export type StatusKind = keyof typeof STATUS_TEXT;
export type StatusReader = 'patient' | 'operator';

/** The words for a status; an unknown one reads as itself with spaces, never as an empty badge. */
export function statusText(kind: StatusKind, status: string, reader: StatusReader): string {
  const table: Record<string, Record<StatusReader, string>> = STATUS_TEXT[kind];
  return Object.hasOwn(table, status) ? table[status]![reader] : status.replace(/[_-]/g, ' ');
}
