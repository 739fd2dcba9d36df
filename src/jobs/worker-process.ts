import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { createSlotRepository } from '../store/jobs-slots.ts';
import { createJobQueue } from './create-job-queue.ts';
import type { JobHandlers } from './job-context.ts';
import type { JobName, JobQueue, RetryPolicy } from './job-queue.ts';
import { createSlotLimiter, type SlotLimiter } from './limits/slot-limiter.ts';
import { createWorker, createWorkerOwner, type Worker, type WorkerOptions } from './worker.ts';

export interface WorkerRuntimeInput {
  store: Store;
  databaseUrl: string;
  clock: Clock;
  log: Logger;
  /** Built once the queue and limiter exist, so handlers can use the same host limiter and queue. */
  createHandlers(runtime: { queue: JobQueue; limiter: SlotLimiter; owner: string }): JobHandlers;
  retry?: Partial<Record<JobName, RetryPolicy>>;
  worker?: Partial<Omit<WorkerOptions, 'queue' | 'store' | 'handlers' | 'clock' | 'log' | 'limiter'>>;
  /** Extra periodic work (the scheduler), started with the worker and stopped before it. */
  companions?: Array<(runtime: { queue: JobQueue; limiter: SlotLimiter; owner: string }) => Companion>;
}

export interface Companion {
  stop(): Promise<void>;
}

export interface WorkerRuntime {
  queue: JobQueue;
  limiter: SlotLimiter;
  worker: Worker;
  /** Graceful stop: companions, then the worker (hands back running jobs, frees leases and slots), then the queue. */
  stop(): Promise<{ forced: boolean }>;
}

/** Builds and starts a worker with its queue, limiter and companions; the caller owns the store. */
export async function startWorkerRuntime(input: WorkerRuntimeInput): Promise<WorkerRuntime> {
  const owner = input.worker?.owner ?? createWorkerOwner();
  const queue = createJobQueue(input);
  await queue.start();
  const limiter = createSlotLimiter({
    slots: createSlotRepository(input.store.db, input.store.dialect),
    owner,
    clock: input.clock,
  });
  const runtime = { queue, limiter, owner };
  const worker = createWorker({
    ...input.worker,
    owner,
    queue,
    store: input.store,
    handlers: input.createHandlers(runtime),
    clock: input.clock,
    log: input.log,
    limiter,
  });
  worker.start();
  const companions = (input.companions ?? []).map((start) => start(runtime));
  return {
    queue,
    limiter,
    worker,
    async stop() {
      await Promise.allSettled(companions.map((c) => c.stop()));
      const result = await worker.stop();
      await queue.stop().catch(() => undefined);
      return result;
    },
  };
}

/**
 * Runs a worker until SIGTERM/SIGINT (case 26): stop taking jobs, let running jobs checkpoint, hand
 * them back, release leases and slots, exit 0 — within `graceMs` plus a few seconds even if a handler hangs.
 */
export async function runWorkerUntilSignal(
  input: WorkerRuntimeInput & { graceMs: number; onReady?: (owner: string) => void },
): Promise<void> {
  const runtime = await startWorkerRuntime({
    ...input,
    worker: { ...input.worker, shutdownGraceMs: input.graceMs },
  });
  input.onReady?.(runtime.worker.owner);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  input.log.info({ signal }, 'worker stopping: no new jobs, handing back running ones');
  // A bounded exit even if a driver hangs on close.
  setTimeout(() => process.exit(0), input.graceMs + 5000).unref();
  const { forced } = await runtime.stop();
  await input.store.close().catch(() => undefined);
  input.log.info({ forced }, 'worker stopped');
}
