import type { Clock } from '../clock.ts';

/** Below this, differences are noise (Date headers have one-second resolution, requests take time). */
const MIN_SKEW_MS = 30_000;
/** Beyond this, a Date header is not trusted at all (a broken proxy, not a skewed clock). */
const MAX_SKEW_MS = 24 * 60 * 60_000;

export interface ServerClocks {
  /** Learns an origin's clock offset from a response's `Date` header; true when the offset changed. */
  observe(url: string, response: Response): boolean;
  /** Our clock shifted to the server's time: client assertions must be valid on the EHR's clock (case 27). */
  clockFor(url: string): Clock;
  /** The learnt offset (ms, server minus ours) for an origin; 0 when unknown or negligible. */
  offsetFor(url: string): number;
  /** `fetch` that observes every response's `Date` header. */
  observing(fetchImpl: typeof fetch): typeof fetch;
}

/**
 * Client assertions carry `iat`/`exp` that the EHR checks against its own clock, with at most five minutes of
 * life. With ten minutes of skew between us and the EHR (case 27) they would always be expired or from the
 * future, so each EHR origin's offset is learnt from its `Date` headers and assertions use the EHR's time.
 */
export function createServerClocks(clock: Clock): ServerClocks {
  const offsets = new Map<string, number>();
  const offsetFor = (url: string) => offsets.get(new URL(url).origin) ?? 0;
  const clocks: ServerClocks = {
    offsetFor,
    observing: (fetchImpl) =>
      (async (input: string | URL | Request, init?: RequestInit) => {
        const response = await fetchImpl(input, init);
        clocks.observe(input instanceof Request ? input.url : String(input), response);
        return response;
      }) as typeof fetch,
    observe(url, response) {
      const header = response.headers.get('date');
      const serverTime = header ? Date.parse(header) : Number.NaN;
      if (!Number.isFinite(serverTime)) return false;
      const measured = serverTime - clock.now();
      const offset = Math.abs(measured) < MIN_SKEW_MS || Math.abs(measured) > MAX_SKEW_MS ? 0 : measured;
      const origin = new URL(url).origin;
      const changed = Math.abs((offsets.get(origin) ?? 0) - offset) >= MIN_SKEW_MS;
      offsets.set(origin, offset);
      return changed;
    },
    clockFor: (url) => ({ now: () => clock.now() + offsetFor(url) }),
  };
  return clocks;
}
