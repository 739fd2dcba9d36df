import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { attemptRevocation, enqueueRevocation, type RevocationDeps } from '../vault/revocation-outbox.ts';
import { keyOpensStoredTokens, wrongEncryptionKeyError } from '../vault/encryption-key-check.ts';
import { bindingFor } from '../vault/token-sealer.ts';

export interface DisconnectResult {
  connectionId: string;
  /**
   * 'revoked' at the EHR; 'pending' (the EHR did not answer: the worker retries until it does or the token dies);
   * 'expired' (the EHR did not answer and the token dies before a retry);
   * 'refused' (the EHR answered no); 'not_offered' (no endpoint); 'unreadable' (the stored token cannot be
   * opened, so it cannot be sent); 'nothing' (no token).
   */
  revocation: 'revoked' | 'pending' | 'expired' | 'refused' | 'not_offered' | 'unreadable' | 'nothing';
}

/**
 * Disconnect (case 41 basics, case 28): the revocation the EHR is owed goes to the outbox first, the tokens are
 * deleted, then the revocation is tried at once; when the EHR is down the worker retries it. An audit record
 * without PHI or secrets says what happened.
 */
export async function disconnectConnection(
  deps: RevocationDeps,
  connectionId: string,
  actor: string,
): Promise<DisconnectResult> {
  const row = await deps.repos.connections.findById(connectionId);
  if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`);
  const column = row.refresh_token_sealed
    ? 'refresh_token_sealed'
    : row.access_token_sealed
      ? 'access_token_sealed'
      : undefined;
  let revocation: DisconnectResult['revocation'] = column ? 'not_offered' : 'nothing';
  let pending;
  if (column && row.revocation_endpoint) {
    try {
      const token = await deps.sealer.unseal(row[column]!, bindingFor('connections', row.id, column));
      const hint = column === 'refresh_token_sealed' ? 'refresh_token' : 'access_token';
      pending = await enqueueRevocation(deps, row, token, hint);
    } catch (error) {
      if (!isChartbridgeError(error, 'ERR_SEAL_INVALID')) throw error;
      // The wrong key must not cost the patient their grant: refuse, changing nothing.
      if (!(await keyOpensStoredTokens(deps, row.id))) throw wrongEncryptionKeyError();
      revocation = 'unreadable';
    }
  }
  await deps.repos.connections.endGrant(connectionId, 'revoked', 'disconnected', deps.clock.now());
  if (pending) {
    const outcome = await attemptRevocation(deps, pending, actor);
    revocation = outcome;
  }
  await deps.repos.audit.record(
    { actor, action: 'connection.disconnected', connectionId, userId: row.user_id, detail: { revocation } },
    deps.clock.now(),
  );
  return { connectionId, revocation };
}
