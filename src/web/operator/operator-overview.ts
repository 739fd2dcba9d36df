import type { OperatorConnection } from '../../store/operator-connections.ts';

export interface OrganisationAlert {
  organizationId: string;
  hospital: string;
  needsReauth: number;
  invalidClient: number;
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
