import { ChartbridgeError } from '../errors.ts';
import type { ConnectionRepository } from '../store/connection-repository.ts';
import { bindingFor, type TokenSealer } from './token-sealer.ts';

export interface KeyCheckDeps {
  repos: { connections: Pick<ConnectionRepository, 'listSealedSample'> };
  sealer: TokenSealer;
}

/** Connections sampled: a handful is enough to tell a wrong key from one damaged value, in one small query. */
const SAMPLE_SIZE = 5;

/**
 * True when the key opens at least one sealed token of the sample (connections other than `exceptId`), or when
 * there is nothing to open. False means the key is wrong for this database, not that a value is damaged.
 */
export async function keyOpensStoredTokens(deps: KeyCheckDeps, exceptId?: string): Promise<boolean> {
  const rows = await deps.repos.connections.listSealedSample(SAMPLE_SIZE, exceptId);
  if (rows.length === 0) return exceptId === undefined;
  for (const row of rows) {
    for (const column of ['refresh_token_sealed', 'access_token_sealed'] as const) {
      const sealed = row[column];
      if (!sealed) continue;
      try {
        await deps.sealer.unseal(sealed, bindingFor('connections', row.id, column));
        return true;
      } catch {
        // Try the next one: a single damaged value says nothing about the key.
      }
    }
  }
  return false;
}

/**
 * The start-up check of `serve`, `worker` and every command that opens tokens: a CHARTBRIDGE_ENCRYPTION_KEY that
 * opens none of the sampled tokens stops the process before it changes anything (no `key_error`, no refresh).
 */
export async function assertEncryptionKeyOpens(deps: KeyCheckDeps): Promise<void> {
  if (!(await keyOpensStoredTokens(deps))) throw wrongEncryptionKeyError();
}

export function wrongEncryptionKeyError(): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_ENCRYPTION_KEY_INVALID',
    'CHARTBRIDGE_ENCRYPTION_KEY opens none of the stored tokens: set it to the key they were sealed with (to rotate, list the new key first: new,old); nothing was changed',
  );
}
