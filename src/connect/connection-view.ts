import type { ConnectionRow } from '../store/connection-repository.ts';

/** The API's view of a connection: status and facts, never tokens or lease internals. */
export interface ConnectionJson {
  id: string;
  userId: string;
  endpointId: string;
  fhirBase: string;
  patientId: string;
  fhirUser: string | null;
  status: string;
  statusReason: string | null;
  scopes: string[];
  refreshable: boolean;
  accessExpiresAt: string | null;
  persistentAccessEndsAt: string | null;
  tokenVersion: number;
  lastSyncAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toConnectionJson(row: ConnectionRow): ConnectionJson {
  return {
    id: row.id,
    userId: row.user_id,
    endpointId: row.endpoint_id,
    fhirBase: row.fhir_base,
    patientId: row.patient_id,
    fhirUser: row.fhir_user,
    status: row.status,
    statusReason: row.status_reason,
    scopes: row.scope ? row.scope.split(' ') : [],
    refreshable: row.refreshable === 1,
    accessExpiresAt: isoOrNull(row.access_expires_at),
    persistentAccessEndsAt: isoOrNull(row.persistent_access_ends_at),
    tokenVersion: row.token_version,
    lastSyncAt: isoOrNull(row.last_sync_at),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
