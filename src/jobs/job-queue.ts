/** The two kinds of background work. Payloads carry ids only — never tokens or patient data. */
export type JobName = 'sync' | 'refresh';

export const jobNames: readonly JobName[] = ['refresh', 'sync'];

export interface JobPayload {
  connectionId: string;
  /** Sync only: a full re-sync (removes resources that disappeared) instead of an incremental one. */
  full?: boolean;
  /**
   * Refresh only: the token version the requester saw (a counter, not a secret). When the connection's tokens
   * changed since, someone already refreshed and the job ends as skipped: simultaneous requests make one refresh.
   */
  tokenVersion?: number;
}

export interface QueuedJob {
  id: string;
  name: JobName;
  data: JobPayload;
  /** How many earlier attempts failed (0 on the first run). */
  retryCount: number;
  retryLimit: number;
}

export interface SendOptions {
  /** Epoch ms before which the job does not start (schedules spread their jobs with it). */
  startAfter?: number;
}

export interface FailResult {
  /** True when the retries are used up: the job is dead and belongs in the dead letters. */
  final: boolean;
  attempts: number;
  data: JobPayload | null;
}

export interface QueueStats {
  name: JobName;
  queued: number;
  active: number;
}

/**
 * A durable queue with the same semantics on both databases (pg-boss on PostgreSQL, the `jobs` table on SQLite):
 * at most one queued job per (name, connection, kind) so repeated requests coalesce, retries with exponential
 * jittered backoff, a final failure reported to the caller for the dead letters. One ACTIVE job per connection is
 * the worker's lease (src/jobs/run-job.ts), identical on both.
 */
export interface JobQueue {
  readonly kind: 'pg-boss' | 'table';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Returns the job id, or null when an identical job is already queued. */
  send(name: JobName, data: JobPayload, options?: SendOptions): Promise<string | null>;
  /**
   * Queues many jobs of one kind in one round trip (the scheduler's batches: 100,000 connections due at once must
   * not cost 100,000 round trips). Coalesces like `send`: a job whose twin is already queued is dropped.
   */
  sendMany(name: JobName, jobs: Array<{ data: JobPayload; startAfter?: number }>): Promise<void>;
  fetch(name: JobName): Promise<QueuedJob | null>;
  complete(name: JobName, id: string, output: Record<string, unknown>): Promise<void>;
  fail(name: JobName, id: string, reason: string): Promise<FailResult>;
  /**
   * Jobs of one kind waiting to start before `startingBefore` (epoch ms): what the scheduler keeps under its limit.
   * Retries waiting out a longer backoff are not counted: they cost the queue's fetch nothing until due, and an
   * EHR's outage must not hold up every other connection's jobs.
   */
  queued(name: JobName, startingBefore: number): Promise<number>;
  stats(): Promise<QueueStats[]>;
}

/**
 * The key that coalesces queued jobs: a full and an incremental sync of one connection are different work, and so
 * are refreshes planned for different token versions (a waiting refresh for old tokens, which will end as skipped,
 * must not swallow the one for the current tokens).
 */
export function singletonKeyFor(name: JobName, data: JobPayload): string {
  if (name === 'sync') return data.full ? `${data.connectionId}:full` : data.connectionId;
  return data.tokenVersion === undefined ? data.connectionId : `${data.connectionId}:v${data.tokenVersion}`;
}

/** Validates a payload read back from storage; anything else is a programmer or storage error. */
export function parsePayload(value: unknown): JobPayload {
  const data = (typeof value === 'string' ? JSON.parse(value) : value) as Partial<JobPayload> | null;
  if (!data || typeof data.connectionId !== 'string' || data.connectionId.length === 0) {
    throw new TypeError('job payload must carry a connectionId');
  }
  const payload: JobPayload = { connectionId: data.connectionId };
  if (data.full !== undefined) payload.full = !!data.full;
  if (typeof data.tokenVersion === 'number') payload.tokenVersion = data.tokenVersion;
  return payload;
}

export interface RetryPolicy {
  retryLimit: number;
  /** Base delay; each retry waits delay × 2^n / 2 × (1 + random). */
  retryDelayMs: number;
}

export const defaultRetryPolicy: Record<JobName, RetryPolicy> = {
  refresh: { retryLimit: 5, retryDelayMs: 30_000 },
  sync: { retryLimit: 4, retryDelayMs: 60_000 },
};
