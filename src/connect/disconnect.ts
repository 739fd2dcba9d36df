import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { pinnedEndpoints, type RefreshDeps } from '../vault/refresh-under-lease.ts';
import { bindingFor } from '../vault/token-sealer.ts';

export interface DisconnectResult {
  connectionId: string;
  /** 'revoked' at the EHR, 'not_offered' (no endpoint), 'failed' (EHR down; tokens deleted anyway), 'nothing' (no token). */
  revocation: 'revoked' | 'not_offered' | 'failed' | 'nothing';
}

/**
 * Disconnect (case 41 basics, case 28): revoke the refresh token (else the access token) at the EHR when it
 * offers revocation, then delete our tokens whatever the EHR said, and leave an audit record without PHI.
 */
export async function disconnectConnection(
  deps: RefreshDeps,
  connectionId: string,
  actor: string,
): Promise<DisconnectResult> {
  const row = await deps.repos.connections.findById(connectionId);
  if (!row)
    throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`, { status: 404 });
  const column = row.refresh_token_sealed
    ? 'refresh_token_sealed'
    : row.access_token_sealed
      ? 'access_token_sealed'
      : undefined;
  let revocation: DisconnectResult['revocation'] = 'nothing';
  if (column && !row.revocation_endpoint) revocation = 'not_offered';
  if (column && row.revocation_endpoint) {
    try {
      const token = await deps.sealer.unseal(row[column]!, bindingFor('connections', row.id, column));
      const hint = column === 'refresh_token_sealed' ? 'refresh_token' : 'access_token';
      await deps.smart.revoke({ endpoints: pinnedEndpoints(row), clientId: row.client_id, token, hint });
      revocation = 'revoked';
    } catch (error) {
      revocation = 'failed';
      deps.log.warn(
        { connectionId, errorCode: isChartbridgeError(error) ? error.code : 'ERR_UNEXPECTED' },
        'revocation failed; deleting local tokens anyway',
      );
    }
  }
  const now = deps.clock.now();
  await deps.repos.connections.endGrant(connectionId, 'revoked', 'disconnected', now);
  await deps.repos.audit.record(
    { actor, action: 'connection.disconnected', connectionId, userId: row.user_id, detail: { revocation } },
    now,
  );
  return { connectionId, revocation };
}
