import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';

const DAY_MS = 86_400_000;
const wholeNumber = z.coerce.number().int().min(0);

/**
 * Accountability and abuse limits (issue 14, points 5 and 8): how long the audit trail and a revoked connection's
 * data are kept, when a burst of re-authorisations alerts the operator, and how many wrong API keys one client
 * address may try. `0` turns a retention or the burst alert off.
 */
const safeguardsEnvSchema = z.object({
  // Six years: HIPAA's retention for security documentation (45 CFR 164.316(b)(2)).
  CHARTBRIDGE_AUDIT_RETENTION_DAYS: wholeNumber.default(2190),
  // Thirty days after a disconnect the copied record goes too; a patient who reconnects sooner finds it still there.
  CHARTBRIDGE_REVOKED_DATA_DAYS: wholeNumber.default(30),
  CHARTBRIDGE_REAUTH_ALERT_COUNT: wholeNumber.default(10),
  CHARTBRIDGE_REAUTH_ALERT_MINUTES: z.coerce.number().int().positive().default(10),
  CHARTBRIDGE_API_KEY_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  CHARTBRIDGE_API_KEY_LOCKOUT_MINUTES: z.coerce.number().int().positive().default(15),
});

export interface SafeguardsConfig {
  /** Audit events older than this are deleted; 0 keeps them forever. */
  auditRetentionMs: number;
  /** Resources, binaries and runs of a connection revoked this long ago are erased; 0 keeps them. */
  revokedDataMs: number;
  /** This many connections turning `needs_reauth` within the window raise one alert; 0 turns it off. */
  reauthBurst: { count: number; windowMs: number };
  /** After this many wrong API keys from one address within the window, that address gets 429 until it ends. */
  apiKeyLockout: { maxFailures: number; windowMs: number };
}

/** CHARTBRIDGE_REVOKED_DATA_DAYS as the pages and the legal text say it: whole days, 0 = kept until erased. */
export function revokedDataDays(safeguards: Pick<SafeguardsConfig, 'revokedDataMs'>): number {
  return Math.round(safeguards.revokedDataMs / DAY_MS);
}

/** "30 days", "1 day": how the pages say a number of days. */
export function dayCount(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

export function loadSafeguardsConfig(env: Record<string, string | undefined>): SafeguardsConfig {
  const parsed = safeguardsEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `invalid ${String(issue.path[0])}: ${issue.message.toLowerCase()}`,
    );
  }
  const e = parsed.data;
  return {
    auditRetentionMs: e.CHARTBRIDGE_AUDIT_RETENTION_DAYS * DAY_MS,
    revokedDataMs: e.CHARTBRIDGE_REVOKED_DATA_DAYS * DAY_MS,
    reauthBurst: {
      count: e.CHARTBRIDGE_REAUTH_ALERT_COUNT,
      windowMs: e.CHARTBRIDGE_REAUTH_ALERT_MINUTES * 60_000,
    },
    apiKeyLockout: {
      maxFailures: e.CHARTBRIDGE_API_KEY_MAX_FAILURES,
      windowMs: e.CHARTBRIDGE_API_KEY_LOCKOUT_MINUTES * 60_000,
    },
  };
}
