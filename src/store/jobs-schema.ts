/** Row types of the background-work tables (migration 004-jobs). Times are epoch milliseconds. */

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** The queue on SQLite; on PostgreSQL pg-boss keeps its own tables. */
export interface JobTable {
  id: string;
  name: string;
  /** At most one queued job per (name, key); the worker's lease allows one active per connection. */
  singleton_key: string;
  /** JSON payload: ids only, never tokens. */
  data: string;
  state: JobState;
  retry_count: number;
  retry_limit: number;
  retry_delay_ms: number;
  start_after: number;
  started_at: number | null;
  finished_at: number | null;
  /** JSON: `{ reason }` on failure, `{ deferred }` when handed back. */
  output: string | null;
  created_at: number;
}

/** One live holder per key. `fence` only grows, so a holder that lost the lease is recognised by its old token. */
export interface JobLeaseTable {
  key: string;
  owner: string | null;
  fence: number;
  job_name: string | null;
  job_id: string | null;
  expires_at: number;
}

/** A concurrency slot of a pool (`host:<host>` or `global`); free when `owner` is null or the lease expired. */
export interface LimitSlotTable {
  pool: string;
  slot: number;
  owner: string | null;
  expires_at: number;
}

export interface DeadLetterTable {
  job_id: string;
  name: string;
  connection_id: string;
  data: string;
  /** Error code and message only (messages never carry secrets or patient data). */
  reason: string;
  attempts: number;
  failed_at: number;
  redriven_at: number | null;
  redrive_job_id: string | null;
}

export interface JobScheduleTable {
  connection_id: string;
  name: string;
  /** When this connection's next job of this kind starts: planned, and queued only when it is nearly due. */
  next_at: number;
  /** For refreshes: the token version the refresh was planned for. */
  token_version: number | null;
  /** For refreshes: when the plan was put in the queue (null while it waits here). Sync rows advance instead. */
  queued_at: number | null;
}

export interface NoticeTable {
  connection_id: string;
  kind: 'needs_reauth' | 'access_ending';
  /** What makes this notice unique (the status change time, or the access end), so it is sent once. */
  period_key: string;
  sent_at: number;
  webhook_status: string;
}
