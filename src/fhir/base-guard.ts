import { ChartbridgeError } from '../errors.ts';

/**
 * Decides whether a URL lies under a connection's FHIR base (case 32). Only such URLs ever get the
 * bearer token: same scheme, host and port, no userinfo, and a path inside the base path. The WHATWG URL parser
 * normalises dot segments (also percent-encoded ones), default ports and host case before we compare, so
 * `..`, `%2e%2e`, `user@host` and `HOST:443` tricks cannot slip past a string prefix test.
 *
 * The path prefix is compared without letter case: real servers send `next` links under `/fhir/R4/` for a base
 * of `/fhir/r4` (../shared/REAL-WORLD.md). Case is the only slack: the origin must still match exactly, and a
 * path outside the base (after dot segments are resolved) is still refused.
 */
export interface BaseGuard {
  /** The base without a trailing slash. */
  readonly base: string;
  /** Resolves a reference (absolute, or relative to the base like `Binary/1`) to an absolute URL. */
  resolve(reference: string): URL;
  isUnderBase(url: URL): boolean;
  /** Resolves and checks; throws ERR_ORIGIN_MISMATCH naming only the foreign origin. */
  requireUnderBase(reference: string, what: string): URL;
}

export function createBaseGuard(fhirBase: string): BaseGuard {
  const baseUrl = parseBase(fhirBase);
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const base = `${baseUrl.origin}${basePath}`;
  const folded = basePath.toLowerCase();

  function resolve(reference: string): URL {
    try {
      return new URL(reference, `${base}/`);
    } catch (cause) {
      throw new ChartbridgeError('ERR_ORIGIN_MISMATCH', 'refused a url that does not parse', { cause });
    }
  }

  function isUnderBase(url: URL): boolean {
    if (url.protocol !== baseUrl.protocol) return false;
    if (url.username !== '' || url.password !== '') return false;
    if (url.hostname !== baseUrl.hostname || url.port !== baseUrl.port) return false;
    const path = url.pathname.toLowerCase();
    return path === folded || path.startsWith(`${folded}/`);
  }

  return {
    base,
    resolve,
    isUnderBase,
    requireUnderBase(reference, what) {
      const url = resolve(reference);
      if (!isUnderBase(url)) {
        throw new ChartbridgeError(
          'ERR_ORIGIN_MISMATCH',
          `refused ${what} at '${describeOrigin(url)}': it is outside the connection's fhir base '${base}'`,
        );
      }
      return url;
    },
  };
}

/** Scheme, host and port only: never the path or query (they may carry patient ids or cursors). */
export function describeOrigin(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol}`;
  return `${url.protocol}//${url.host}`;
}

function parseBase(fhirBase: string): URL {
  let url: URL;
  try {
    url = new URL(fhirBase);
  } catch (cause) {
    throw new TypeError(`fhir base '${fhirBase}' is not a url`, { cause });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new TypeError('fhir base must be an http(s) url without credentials');
  }
  return url;
}
