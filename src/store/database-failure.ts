import { ChartbridgeError } from '../errors.ts';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
const UNKNOWN_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/**
 * A PostgreSQL connection failure reaching the top of a command becomes one line naming
 * CHARTBRIDGE_DATABASE_URL (host, port and database only: never the user or password) and the fix.
 * Unreachable is a runtime problem (exit 1); a wrong host, database or password is bad input (exit 2).
 */
export function describeDatabaseFailure(
  error: unknown,
  databaseUrl: string | undefined,
): ChartbridgeError | undefined {
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl) || !URL.canParse(databaseUrl))
    return undefined;
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || '5432'}`;
  const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const code = systemCode(error);
  if (UNREACHABLE.has(code)) {
    return new ChartbridgeError(
      'ERR_DATABASE_UNAVAILABLE',
      `cannot reach postgresql at ${where} (CHARTBRIDGE_DATABASE_URL): ${code}; start the server or fix the url`,
    );
  }
  if (UNKNOWN_HOST.has(code)) {
    return new ChartbridgeError(
      'ERR_DATABASE_URL_INVALID',
      `unknown host '${url.hostname}' in CHARTBRIDGE_DATABASE_URL: fix the host name`,
    );
  }
  if (code === '3D000') {
    return new ChartbridgeError(
      'ERR_DATABASE_URL_INVALID',
      `database '${database}' in CHARTBRIDGE_DATABASE_URL does not exist on ${where}: create it (createdb ${database}) or fix the url`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new ChartbridgeError(
      'ERR_DATABASE_URL_INVALID',
      `postgresql at ${where} refused the user or password in CHARTBRIDGE_DATABASE_URL: fix the credentials`,
    );
  }
  return undefined;
}

/** The errno or SQLSTATE of the error or of what it wraps (the migrator wraps the driver's error). */
function systemCode(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('ERR_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}
