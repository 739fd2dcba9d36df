import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import type { AuditRepository } from '../store/audit-repository.ts';
import { eraseConnectionData, listRevokedHoldingData } from '../store/connection-data-eraser.ts';

export interface RetentionSettings {
  /** CHARTBRIDGE_AUDIT_RETENTION_DAYS in ms; 0 keeps the audit trail forever. */
  auditRetentionMs: number;
  /** CHARTBRIDGE_REVOKED_DATA_DAYS in ms; 0 keeps a revoked connection's data until it is erased by hand. */
  revokedDataMs: number;
}

export interface RetentionResult {
  auditEvents: number;
  connections: number;
  resources: number;
  binaries: number;
}

/** Connections erased per run: a backlog is worked off over the following runs, not in one long transaction. */
const BATCH = 50;

/**
 * The retention job (issue 14, point 5): deletes audit events older than the audit retention, and erases what was
 * copied for connections revoked longer ago than the revoked-data retention — the same fenced erase as
 * `connections erase`, audited as `connection.data_expired` with counts. The connection row and its audit trail
 * stay (until the audit retention takes the trail).
 */
export async function applyRetention(
  deps: { store: Store; repos: { audit: AuditRepository }; clock: Clock; log: Logger },
  settings: RetentionSettings,
): Promise<RetentionResult> {
  const now = deps.clock.now();
  const result: RetentionResult = { auditEvents: 0, connections: 0, resources: 0, binaries: 0 };
  if (settings.revokedDataMs > 0) {
    const days = Math.round(settings.revokedDataMs / 86_400_000);
    for (const row of await listRevokedHoldingData(deps.store.db, now - settings.revokedDataMs, BATCH)) {
      const counts = await eraseConnectionData(deps.store.db, row.id);
      await deps.repos.audit.record(
        {
          actor: 'scheduler',
          action: 'connection.data_expired',
          connectionId: row.id,
          userId: row.user_id,
          detail: { ...counts, revokedDataDays: days },
        },
        deps.clock.now(),
      );
      result.connections += 1;
      result.resources += counts.resources;
      result.binaries += counts.binaries;
    }
  }
  if (settings.auditRetentionMs > 0) {
    const before = now - settings.auditRetentionMs;
    result.auditEvents = await deps.repos.audit.deleteExpired(before);
    if (result.auditEvents > 0) {
      // The deletion itself is on the record, so a gap in the trail is explained by the trail.
      await deps.repos.audit.record(
        {
          actor: 'scheduler',
          action: 'audit.expired',
          detail: { events: result.auditEvents, before: new Date(before).toISOString() },
        },
        deps.clock.now(),
      );
    }
  }
  if (result.auditEvents + result.connections > 0) deps.log.info(result, 'retention applied');
  return result;
}
