const HOUR = 60 * 60 * 1000;
const CAP = 7 * 24 * HOUR;

/**
 * When an attachment that failed `attempts` times is due again: the first failure is retried by the next sync,
 * then after 1, 2, 4 … hours, at most a week apart — a patient's record is kept for years, so it never gives up,
 * but one broken document never costs more than a request per run.
 */
export function nextAttemptAt(now: number, attempts: number): number {
  if (attempts <= 1) return now;
  return now + Math.min(HOUR * 2 ** (attempts - 2), CAP);
}
