/**
 * Milliseconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), capped so an absurd value
 * cannot park a worker for days (case 16). Undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number, capMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, capMs);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), capMs);
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base·2^attempt)]. */
export function computeBackoff(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
