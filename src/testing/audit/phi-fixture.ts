import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import { runSync } from '../../sync/run-sync.ts';
import type { ConnectedApp } from '../connected-app.ts';

/** The record page's types (record-routes.ts): what one view of /my/record reads. */
export const RECORD_TYPES = [
  'AllergyIntolerance',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Immunization',
  'MedicationRequest',
  'Observation',
  'Procedure',
];

export interface PhiEvent {
  actor: string;
  action: string;
  connectionId: string | null;
  userId: string | null;
  detail: Record<string, unknown>;
}

export interface SyncedPatient {
  connectionId: string;
  userId: string;
  /** The browser cookie (`cb_user`) of the patient's own pages. */
  secret: string;
  /** Stored resources by type, as the database holds them after the sync. */
  stored: Map<string, number>;
  /** Stored attachments (the sync's and one text note, `note-1`): the export's Binary resources. */
  binaries: number;
}

/** A patient connected from a browser and synced, with one text attachment added: what the reads read. */
export async function setUpSyncedPatient(app: ConnectedApp): Promise<SyncedPatient> {
  const secret = createRandomToken();
  const userId = `browser-${hashSecret(secret).slice(0, 24)}`;
  const connectionId = await app.connectPatient(userId);
  await runSync({ services: app.services, connectionId });
  const db = app.services.store.db;
  await db
    .insertInto('binaries')
    .values({
      connection_id: connectionId,
      binary_id: 'note-1',
      content_type: 'text/plain',
      size: 5,
      hash: 'x',
      data: Buffer.from('hello'),
      status: 'ok',
      fetched_at: 1,
    })
    .execute();
  const rows = await db
    .selectFrom('resources')
    .select(['resource_type', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('connection_id', '=', connectionId)
    .groupBy('resource_type')
    .execute();
  const binaryRows = await db
    .selectFrom('binaries')
    .select('binary_id')
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'ok')
    .execute();
  return {
    connectionId,
    userId,
    secret,
    stored: new Map(rows.map((r) => [r.resource_type, Number(r.n)])),
    binaries: binaryRows.length,
  };
}

/** The connection's PHI read rows, oldest first, detail parsed. */
export async function listPhiEvents(app: ConnectedApp, connectionId: string): Promise<PhiEvent[]> {
  return (await app.services.repos.audit.listForConnection(connectionId))
    .filter((row) => row.action.startsWith('phi.'))
    .map((row) => ({
      actor: row.actor,
      action: row.action,
      connectionId: row.connection_id,
      userId: row.user_id,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    }));
}

/** The coverage report's types and count as an audit row states them (the API and the pages share the report). */
export async function readCoverageSummary(app: ConnectedApp, connectionId: string) {
  const report = (await (await app.api(`/api/connections/${connectionId}/coverage`)).json()) as {
    entries: Array<{ resourceType: string; resources: number }>;
  };
  const reported = report.entries.filter((e) => e.resources > 0);
  return {
    types: [...new Set(reported.map((e) => e.resourceType))].sort().join(','),
    count: reported.reduce((sum, e) => sum + e.resources, 0),
  };
}
