import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';

const positiveInt = z.coerce.number().int().positive();

const settingsSchema = z.object({
  CHARTBRIDGE_WORKER_CONCURRENCY: positiveInt.default(4),
  CHARTBRIDGE_HOST_CONCURRENCY: positiveInt.default(5),
  CHARTBRIDGE_GLOBAL_CONCURRENCY: positiveInt.optional(),
  CHARTBRIDGE_WORKER_GRACE_SECONDS: positiveInt.default(20),
  CHARTBRIDGE_WORKER_LEASE_SECONDS: positiveInt.default(30),
  CHARTBRIDGE_RESYNC_INTERVAL_HOURS: z.coerce.number().positive().default(24),
  CHARTBRIDGE_NOTICE_DAYS: positiveInt.default(14),
  CHARTBRIDGE_DIRECTORY_UPDATE_HOURS: z.coerce.number().min(0).default(24),
});

/** Worker tuning, from the environment (flags override). All optional; defaults suit one hospital-sized load. */
export interface WorkerSettings {
  concurrency: number;
  hostLimit: number;
  globalLimit: number | null;
  graceMs: number;
  /** A crashed worker's job is taken over this long after its last heartbeat. */
  leaseTtlMs: number;
  resyncIntervalMs: number;
  noticeDays: number;
  /** Scheduled `directory update` period (with CHARTBRIDGE_DIRECTORY_URL); 0 turns it off. */
  directoryUpdateIntervalMs: number;
}

export function loadWorkerSettings(env: Record<string, string | undefined>): WorkerSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `invalid ${String(issue.path[0])}: ${issue.message.toLowerCase()}`,
    );
  }
  const e = parsed.data;
  return {
    concurrency: e.CHARTBRIDGE_WORKER_CONCURRENCY,
    hostLimit: e.CHARTBRIDGE_HOST_CONCURRENCY,
    globalLimit: e.CHARTBRIDGE_GLOBAL_CONCURRENCY ?? null,
    graceMs: e.CHARTBRIDGE_WORKER_GRACE_SECONDS * 1000,
    leaseTtlMs: e.CHARTBRIDGE_WORKER_LEASE_SECONDS * 1000,
    resyncIntervalMs: e.CHARTBRIDGE_RESYNC_INTERVAL_HOURS * 3_600_000,
    noticeDays: e.CHARTBRIDGE_NOTICE_DAYS,
    directoryUpdateIntervalMs: e.CHARTBRIDGE_DIRECTORY_UPDATE_HOURS * 3_600_000,
  };
}

/** Parses a CLI number flag; a bad value is a usage error (exit 2) naming the flag. */
export function parseCountFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid ${flag} '${value}': expected a positive whole number`,
    );
  }
  return Number(value);
}
