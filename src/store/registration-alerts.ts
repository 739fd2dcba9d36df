import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** One registration problem at one hospital: how many connections hit it, when last, and the fix. */
export interface RegistrationAlert {
  endpointId: string;
  hospital: string;
  code: string;
  connections: number;
  lastAt: number;
  hint: string;
}

/** Alerts older than this are history: a registration fixed since then no longer needs the operator. */
const RECENT_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * The `operator.alert` audit events of the last 30 days (a grant without a refresh token: persistent access not
 * enabled in the registration), grouped per hospital and code, newest first, for /operator. The events carry
 * ids, codes and the fix only, never patient data.
 */
export async function listRegistrationAlerts(
  db: Kysely<Database>,
  now: number,
): Promise<RegistrationAlert[]> {
  const rows = await db
    .selectFrom('audit_events as a')
    .leftJoin('connections as c', 'c.id', 'a.connection_id')
    .leftJoin('endpoints as e', 'e.id', 'c.endpoint_id')
    .select(['a.at', 'a.connection_id', 'a.detail', 'e.name', 'c.fhir_base'])
    .where('a.action', '=', 'operator.alert')
    .where('a.at', '>=', now - RECENT_MS)
    .orderBy('a.at', 'desc')
    .limit(1000)
    .execute();
  const grouped = new Map<string, RegistrationAlert & { seen: Set<string> }>();
  for (const row of rows) {
    const detail = readDetail(row.detail);
    if (!detail) continue;
    const key = `${detail.endpointId}\n${detail.code}`;
    const alert = grouped.get(key) ?? {
      endpointId: detail.endpointId,
      hospital: row.name ?? row.fhir_base ?? detail.endpointId,
      code: detail.code,
      connections: 0,
      lastAt: Number(row.at),
      hint: detail.hint,
      seen: new Set<string>(),
    };
    if (row.connection_id && !alert.seen.has(row.connection_id)) {
      alert.seen.add(row.connection_id);
      alert.connections += 1;
    }
    grouped.set(key, alert);
  }
  return [...grouped.values()].map(({ seen: _seen, ...alert }) => alert);
}

function readDetail(text: string): { code: string; endpointId: string; hint: string } | undefined {
  try {
    const detail = JSON.parse(text) as Record<string, unknown>;
    const { code, endpointId, hint } = detail;
    return typeof code === 'string' && typeof endpointId === 'string' && typeof hint === 'string'
      ? { code, endpointId, hint }
      : undefined;
  } catch {
    return undefined;
  }
}
