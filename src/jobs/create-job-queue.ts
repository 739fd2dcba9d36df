import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import type { JobName, JobQueue, RetryPolicy } from './job-queue.ts';
import { createPgBossQueue } from './pg-boss-queue.ts';
import { createTableQueue } from './table-queue.ts';

/** pg-boss on PostgreSQL, the `jobs` table on SQLite — chosen by the database URL, same semantics on both. */
export function createJobQueue(input: {
  store: Store;
  databaseUrl: string;
  clock: Clock;
  log: Logger;
  retry?: Partial<Record<JobName, RetryPolicy>>;
  /** pg-boss maintenance (expiry, archiving) in this process; off for clients that only send. Default on. */
  supervise?: boolean;
}): JobQueue {
  if (input.store.dialect === 'postgres') {
    return createPgBossQueue({
      databaseUrl: input.databaseUrl,
      log: input.log,
      retry: input.retry,
      supervise: input.supervise,
    });
  }
  return createTableQueue({ store: input.store, clock: input.clock, retry: input.retry });
}
