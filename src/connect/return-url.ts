import { ChartbridgeError } from '../errors.ts';

/**
 * Open-redirect guard (case 37): a return URL must be absolute http(s) on our own origin or on one of the
 * app origins the operator registered. Anything else is refused when the session is created, not at redirect time.
 */
export function validateReturnUrl(
  value: string,
  allowed: { publicUrl: string; appOrigins: string[] },
): string {
  if (value.length > 2048 || !URL.canParse(value)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      "'returnUrl' must be an absolute url of at most 2048 characters",
    );
  }
  const url = new URL(value);
  const origins = new Set([
    new URL(allowed.publicUrl).origin,
    ...allowed.appOrigins.map((o) => new URL(o).origin),
  ]);
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || !origins.has(url.origin)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      "'returnUrl' must be on chartbridge's own origin or an origin listed in CHARTBRIDGE_APP_ORIGINS",
    );
  }
  return url.toString();
}
