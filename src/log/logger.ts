import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogContext } from './log-context.ts';

export type { Logger };

/**
 * Field names whose values must never be written. Code should not log secrets in the first place; this list is
 * the last line of defence when someone logs a whole object.
 */
export const REDACTED_PATHS = [
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.code',
  '*.code_verifier',
  '*.client_assertion',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.codeVerifier',
  '*.assertion',
  '*.privateKey',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.password',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** `context`: its fields (the request id) are added to every line written inside `context.run`. */
export function createLogger(
  options: { level?: string; destination?: DestinationStream; context?: LogContext } = {},
): Logger {
  const context = options.context;
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: undefined,
      ...(context ? { mixin: () => context.fields() } : {}),
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests that do not inspect logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
