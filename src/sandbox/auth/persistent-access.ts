/**
 * The persistent-access periods a patient can pick on the consent page, as in MyChart. `seconds` null means
 * indefinite; 0 means this sign-in only (no refresh token).
 */
export const accessPeriods = [
  { key: 'none', label: 'Just this once (no persistent access)', seconds: 0 },
  { key: '1h', label: '1 hour', seconds: 3600 },
  { key: '1d', label: '1 day', seconds: 86_400 },
  { key: '1mo', label: '1 month', seconds: 30 * 86_400 },
  { key: '3mo', label: '3 months', seconds: 90 * 86_400 },
  { key: '1y', label: '1 year', seconds: 365 * 86_400 },
  { key: 'indefinite', label: 'Indefinitely (until I revoke it)', seconds: null },
] as const;

export type AccessPeriodKey = (typeof accessPeriods)[number]['key'];

export function findAccessPeriod(key: string): (typeof accessPeriods)[number] | undefined {
  return accessPeriods.find((period) => period.key === key);
}

/** End of persistent access in epoch ms: null = indefinite, undefined = none (no refresh token). */
export function computePersistentEnd(key: AccessPeriodKey, now: number): number | null | undefined {
  const period = findAccessPeriod(key);
  if (!period || period.seconds === 0) return undefined;
  return period.seconds === null ? null : now + period.seconds * 1000;
}
