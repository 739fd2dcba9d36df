import type { Kysely } from 'kysely';
import type { ConnectionStatus, Database } from './schema.ts';

/** One row of the operator overview's table. */
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
