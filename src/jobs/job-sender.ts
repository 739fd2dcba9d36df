import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { createJobQueue } from './create-job-queue.ts';
import type { JobQueue } from './job-queue.ts';

/**
 * Queues jobs from a process that may run no worker (the HTTP server's connect flow), and reads the queue's depth
 * for `/metrics`. The queue client starts on the first send or read, so commands that never queue anything never
 * open it; `stop` closes it if it was started.
 */
export interface JobSender extends Pick<JobQueue, 'send' | 'stats'> {
  stop(): Promise<void>;
}

export function createJobSender(input: {
  store: Store;
  databaseUrl: string;
  clock: Clock;
  log: Logger;
}): JobSender {
  let started: Promise<JobQueue> | undefined;
  const start = () => {
    // Only sends: pg-boss maintenance stays with the workers.
    const queue = createJobQueue({ ...input, supervise: false });
    const starting = queue.start().then(() => queue);
    // A failed start is not remembered: the next send tries again.
    starting.catch(() => {
      if (started === starting) started = undefined;
    });
    return starting;
  };
  return {
    async send(name, data, options) {
      started ??= start();
      return (await started).send(name, data, options);
    },
    async stats() {
      started ??= start();
      return (await started).stats();
    },
    async stop() {
      const queue = await started?.catch(() => undefined);
      started = undefined;
      await queue?.stop();
    },
  };
}
