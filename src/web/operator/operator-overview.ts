import type { Kysely } from 'kysely';
import type { ConnectionStatus, Database } from '../../store/schema.ts';

export interface OperatorConnection {
  id: string;
  organizationId: string | null;
  hospital: string;
  status: ConnectionStatus;
  reason: string | null;
  lastSyncAt: number | null;
  persistentAccessEndsAt: number | null;
  createdAt: number;
}

export interface OrganisationAlert {
  organizationId: string;
  hospital: string;
  needsReauth: number;
  invalidClient: number;
}

/** Every connection with its hospital's name, newest first: the operator overview's table (no tokens read). */
export async function listOperatorConnections(
  db: Kysely<Database>,
  limit: number,
): Promise<OperatorConnection[]> {
  const rows = await db
    .selectFrom('connections as c')
    .leftJoin('endpoints as e', 'e.id', 'c.endpoint_id')
    .select([
      'c.id',
      'e.organization_id',
      'e.name',
      'c.fhir_base',
      'c.status',
      'c.status_reason',
      'c.last_sync_at',
      'c.persistent_access_ends_at',
      'c.created_at',
    ])
    .orderBy('c.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    organizationId: r.organization_id,
    hospital: r.name ?? r.fhir_base,
    status: r.status,
    reason: r.status_reason,
    lastSyncAt: r.last_sync_at === null ? null : Number(r.last_sync_at),
    persistentAccessEndsAt: r.persistent_access_ends_at === null ? null : Number(r.persistent_access_ends_at),
    createdAt: Number(r.created_at),
  }));
}

export function countByStatus(connections: OperatorConnection[]): Record<string, number> {
  const counts: Record<string, number> = { active: 0, needs_reauth: 0, key_error: 0, error: 0, revoked: 0 };
  for (const c of connections) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return counts;
}

/** needs_reauth (the patient must come back) and key_error (the EHR said invalid_client) per organisation. */
export function groupAlerts(connections: OperatorConnection[]): OrganisationAlert[] {
  const byOrg = new Map<string, OrganisationAlert>();
  for (const c of connections) {
    if (c.status !== 'needs_reauth' && c.status !== 'key_error') continue;
    const key = c.organizationId ?? c.hospital;
    const alert = byOrg.get(key) ?? {
      organizationId: key,
      hospital: c.hospital,
      needsReauth: 0,
      invalidClient: 0,
    };
    if (c.status === 'needs_reauth') alert.needsReauth += 1;
    else alert.invalidClient += 1;
    byOrg.set(key, alert);
  }
  return [...byOrg.values()].sort(
    (a, b) => b.invalidClient - a.invalidClient || b.needsReauth - a.needsReauth,
  );
}
