import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Repositories } from '../store/repositories.ts';
import type { ConnectSessionRow } from '../store/connect-session-repository.ts';
import { validateReturnUrl } from './return-url.ts';
import { createId, createRandomToken, hashSecret } from './secrets.ts';
import { isSafeId, SAFE_ID_CHARACTERS } from '../store/safe-ids.ts';

export const CONNECT_SESSION_TTL_MS = 30 * 60 * 1000;

export interface CreatedConnectSession {
  id: string;
  url: string;
  expiresAt: string;
}

export interface ConnectSessionDeps {
  repos: Pick<Repositories, 'users' | 'connectSessions'>;
  clock: Clock;
  publicUrl: string;
  appOrigins: string[];
}

/** A one-time, unguessable URL the app sends its patient's browser to; only the token's hash is stored. */
export async function createConnectSession(
  deps: ConnectSessionDeps,
  input: { userId: unknown; returnUrl?: unknown },
): Promise<CreatedConnectSession> {
  if (typeof input.userId !== 'string' || !isSafeId(input.userId)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `'userId' must be 1-128 characters of ${SAFE_ID_CHARACTERS}`,
    );
  }
  if (input.returnUrl !== undefined && input.returnUrl !== null && typeof input.returnUrl !== 'string') {
    throw new ChartbridgeError('ERR_INVALID_INPUT', "'returnUrl' must be a string");
  }
  const returnUrl = input.returnUrl ? validateReturnUrl(input.returnUrl, deps) : null;
  const now = deps.clock.now();
  const token = createRandomToken();
  const row: ConnectSessionRow = {
    id: createId('cs'),
    token_hash: hashSecret(token),
    user_id: input.userId,
    return_url: returnUrl,
    expires_at: now + CONNECT_SESSION_TTL_MS,
    used_at: null,
    created_at: now,
  };
  await deps.repos.users.ensureUser(input.userId, now);
  await deps.repos.connectSessions.insert(row);
  return {
    id: row.id,
    url: `${deps.publicUrl}/connect/${token}`,
    expiresAt: new Date(row.expires_at).toISOString(),
  };
}

/** The usable session behind a token from a URL, or a 400/410-style error that reveals nothing about others. */
export async function findUsableConnectSession(
  deps: Pick<ConnectSessionDeps, 'repos' | 'clock'>,
  token: string,
): Promise<ConnectSessionRow> {
  const row = /^[A-Za-z0-9_-]{20,100}$/.test(token)
    ? await deps.repos.connectSessions.findByTokenHash(hashSecret(token))
    : undefined;
  if (!row || row.used_at !== null || row.expires_at <= deps.clock.now()) {
    throw new ChartbridgeError(
      'ERR_NOT_FOUND',
      'this connect link is unknown, used or expired; ask the app for a new one',
    );
  }
  return row;
}
