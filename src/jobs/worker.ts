import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { createJobLeaseRepository } from '../store/jobs-leases.ts';
import type { JobHandlers } from './job-context.ts';
import { jobNames, type JobQueue, type QueuedJob } from './job-queue.ts';
import type { SlotLimiter, Slot } from './limits/slot-limiter.ts';
import {
  describeFailure,
  failAbandonedJob,
  handBack,
  runJob,
  type JobOutcome,
  type JobRunnerDeps,
} from './run-job.ts';

export interface WorkerOptions {
  queue: JobQueue;
  store: Store;
  handlers: JobHandlers;
  clock: Clock;
  log: Logger;
  /** Shared limits (the same limiter the FHIR client's host slots come from). */
  limiter: SlotLimiter;
  owner?: string;
  /** Jobs this process runs at once. */
  concurrency?: number;
  /** Jobs running at once across ALL workers on the database (null: no global cap). */
  globalLimit?: number | null;
  leaseTtlMs?: number;
  heartbeatMs?: number;
  pollMs?: number;
  handBackDelayMs?: number;
  /** How long SIGTERM waits for running jobs to checkpoint before leaving anyway. */
  shutdownGraceMs?: number;
  onOutcome?: (job: QueuedJob, outcome: JobOutcome) => void;
}

export interface Worker {
  readonly owner: string;
  start(): void;
  /** Stops taking jobs, interrupts running ones, hands them back, releases leases and slots. */
  stop(): Promise<{ forced: boolean }>;
  runningCount(): number;
}

/** A unique, non-secret worker identity: host, pid and a random suffix. */
export function createWorkerOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * The job worker: `concurrency` lanes each take the next refresh (first: tokens expire) or sync job, run it under a
 * fenced lease, and loop. A reaper fails jobs whose worker stopped heartbeating, so they are retried elsewhere.
 */
export function createWorker(options: WorkerOptions): Worker {
  const owner = options.owner ?? createWorkerOwner();
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const deps: JobRunnerDeps = {
    queue: options.queue,
    leases: createJobLeaseRepository(options.store.db, options.store.dialect),
    deadLetters: createDeadLetterRepository(options.store.db),
    handlers: options.handlers,
    owner,
    clock: options.clock,
    log: options.log,
    leaseTtlMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(100, Math.floor(leaseTtlMs / 3)),
    handBackDelayMs: options.handBackDelayMs ?? 2000,
  };
  const stopping = new AbortController();
  const lanes: Promise<void>[] = [];
  const running = new Map<string, QueuedJob>();

  async function takeNext(): Promise<{ job: QueuedJob; slot: Slot | null } | null> {
    const slot = options.globalLimit ? await options.limiter.tryAcquire('global', options.globalLimit) : null;
    if (options.globalLimit && !slot) return null;
    for (const name of jobNames) {
      const job = await options.queue.fetch(name);
      if (job) return { job, slot };
    }
    await slot?.release();
    return null;
  }

  async function runLane(): Promise<void> {
    while (!stopping.signal.aborted) {
      let next: Awaited<ReturnType<typeof takeNext>> = null;
      try {
        next = await takeNext();
        if (!next) {
          await sleep(pollMs * (0.5 + Math.random()), stopping.signal);
          continue;
        }
        running.set(next.job.id, next.job);
        const outcome = await runJob(deps, next.job, stopping.signal);
        options.onOutcome?.(next.job, outcome);
      } catch (error) {
        // The database is busy or down: back off instead of crash-looping; leases expire and the reaper retries.
        options.log.warn({ err: describeFailure(error) }, 'worker lane error; backing off');
        await sleep(pollMs * (1 + Math.random()) * 2, stopping.signal);
      } finally {
        if (next) running.delete(next.job.id);
        await next?.slot?.release().catch(() => undefined);
      }
    }
  }

  async function runReaper(): Promise<void> {
    while (!stopping.signal.aborted) {
      await sleep((leaseTtlMs / 2) * (0.5 + Math.random()), stopping.signal);
      if (stopping.signal.aborted) break;
      try {
        for (const lease of await deps.leases.claimExpired(options.clock.now(), 100)) {
          options.log.warn({ job: lease.jobId, name: lease.jobName }, 'taking over an abandoned job');
          await failAbandonedJob(deps, lease.jobName as QueuedJob['name'], lease.jobId);
        }
      } catch (error) {
        options.log.warn({ err: describeFailure(error) }, 'lease reaper error');
      }
    }
  }

  return {
    owner,
    runningCount: () => running.size,
    start() {
      const concurrency = options.concurrency ?? 4;
      for (let i = 0; i < concurrency; i += 1) lanes.push(runLane());
      lanes.push(runReaper());
    },
    async stop() {
      stopping.abort();
      const grace = options.shutdownGraceMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), grace);
      });
      const settled = await Promise.race([Promise.allSettled(lanes).then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      // Whatever still runs keeps its fence only until here: after this its writes are refused, and its job goes
      // back to the queue for another worker.
      await deps.leases.releaseOwner(owner).catch(() => 0);
      for (const job of running.values()) {
        await handBack(deps, job, { interrupted: true, forced: true }).catch(() => undefined);
      }
      await options.limiter.releaseAll().catch(() => undefined);
      return { forced: settled === 'timeout' };
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
