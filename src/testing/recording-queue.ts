import { createManualClock, type Clock } from '../clock.ts';
import type { JobName, JobPayload, JobQueue, SendOptions } from '../jobs/job-queue.ts';

export interface SentJob {
  name: JobName;
  data: JobPayload;
  startAfter: number;
  /** The clock when it was queued. */
  at: number;
}

/**
 * Records what the scheduler queues (the queue itself is tested elsewhere). Jobs stay queued until the test's
 * workers `take` them, so the scheduler's queue limit can be watched.
 */
export function createRecordingQueue(clock: Clock = createManualClock(0)): JobQueue & {
  sent: SentJob[];
  take(): void;
} {
  const sent: SentJob[] = [];
  let taken = 0;
  return {
    kind: 'table',
    sent,
    take: () => void (taken = sent.length),
    start: async () => undefined,
    stop: async () => undefined,
    send: async (name: JobName, data: JobPayload, options: SendOptions = {}) => {
      sent.push({ name, data, startAfter: options.startAfter ?? 0, at: clock.now() });
      return `job-${sent.length}`;
    },
    sendMany: async (name: JobName, jobs: Array<{ data: JobPayload; startAfter?: number }>) => {
      for (const { data, startAfter } of jobs)
        sent.push({ name, data, startAfter: startAfter ?? 0, at: clock.now() });
    },
    fetch: async () => null,
    complete: async () => undefined,
    fail: async () => ({ final: false, attempts: 1, data: null }),
    queued: async (name: JobName, startingBefore: number) =>
      sent.slice(taken).filter((job) => job.name === name && job.startAfter < startingBefore).length,
    stats: async () => [],
  };
}
