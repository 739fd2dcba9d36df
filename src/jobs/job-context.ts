import type { Kysely } from 'kysely';
import type { Fence } from '../store/jobs-leases.ts';
import type { Database } from '../store/schema.ts';
import type { JobName } from './job-queue.ts';

/** What a job handler gets: ids, a signal, and the fence that proves it still owns the connection's work. */
export interface JobContext {
  jobId: string;
  name: JobName;
  connectionId: string;
  full: boolean;
  /** Refresh jobs: the token version the requester saw, when it said. */
  tokenVersion: number | undefined;
  /** 1 on the first run. */
  attempt: number;
  /**
   * Aborted when the worker shuts down (SIGTERM: checkpoint and return) or when the lease was taken over (stop at
   * once). `signal.reason` is a ChartbridgeError with code ERR_JOB_INTERRUPTED or ERR_LEASE_LOST.
   */
  signal: AbortSignal;
  fence: Fence;
  /**
   * Call inside each write transaction: throws ERR_LEASE_LOST when another worker took the job over, so a zombie
   * (a worker paused past its lease) can never write after the new holder started.
   */
  assertLeaseHeld(trx: Kysely<Database>): Promise<void>;
}

/** A handler's verdict when it did not simply finish: skipped work is a success with a reason. */
export interface JobResult {
  status: 'done' | 'skipped';
  reason?: string;
  [key: string]: unknown;
}

export type JobHandler = (context: JobContext) => Promise<JobResult | void>;

export type JobHandlers = Record<JobName, JobHandler>;
