import { ChartbridgeError } from '../errors.ts';
import { eraseConnectionData, type ErasedCounts } from '../store/connection-data-eraser.ts';
import type { RevocationDeps } from '../vault/revocation-outbox.ts';
import { disconnectConnection, type DisconnectResult } from './disconnect.ts';

export interface EraseResult extends ErasedCounts {
  connectionId: string;
  /** What the disconnect did first; `nothing` when the connection held no token any more. */
  revocation: DisconnectResult['revocation'];
}

/**
 * Erase one connection: revoke first (through the outbox, so a down EHR still gets it later), then delete every
 * resource, binary and run under a voided sync lease, and audit the counts. The connection row stays, revoked
 * and without tokens, so the audit trail still names it.
 */
export async function eraseConnection(
  deps: RevocationDeps,
  connectionId: string,
  actor: string,
): Promise<EraseResult> {
  const row = await deps.repos.connections.findById(connectionId);
  if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`);
  const holdsTokens = row.refresh_token_sealed !== null || row.access_token_sealed !== null;
  const revocation = holdsTokens
    ? (await disconnectConnection(deps, connectionId, actor)).revocation
    : 'nothing';
  const counts = await eraseConnectionData(deps.store.db, connectionId);
  await deps.repos.connections.setStatus(connectionId, 'revoked', 'erased', deps.clock.now());
  await deps.repos.audit.record(
    {
      actor,
      action: 'connection.erased',
      connectionId,
      userId: row.user_id,
      detail: { revocation, ...counts },
    },
    deps.clock.now(),
  );
  return { connectionId, revocation, ...counts };
}

/** Erase every connection of a user (`DELETE /api/users/:userId`); unknown users are a 404. */
export async function eraseUser(
  deps: RevocationDeps,
  userId: string,
  actor: string,
): Promise<{ userId: string; connections: EraseResult[] }> {
  const rows = await deps.repos.connections.listByUser(userId);
  if (rows.length === 0) throw new ChartbridgeError('ERR_NOT_FOUND', `user '${userId}' has no connections`);
  const connections: EraseResult[] = [];
  for (const row of rows) connections.push(await eraseConnection(deps, row.id, actor));
  return { userId, connections };
}
