import { createRequire } from 'node:module';
import type PgBoss from 'pg-boss';
import type { Logger } from '../log/logger.ts';
import {
  defaultRetryPolicy,
  jobNames,
  parsePayload,
  singletonKeyFor,
  type JobName,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.ts';

/** pg-boss queue names (v10 wants letters, digits, '-' and '_'). */
export function queueNameFor(name: JobName): string {
  return `chartbridge-${name}`;
}

/**
 * The queue on PostgreSQL: pg-boss 10. Queues use the 'short' policy (one queued job per key, retried jobs keep
 * their place); 'singleton'/'stately' are avoided on purpose because their unique index makes pg-boss's fetch
 * fail for the whole queue while one key's job waits behind its active twin. One active job per connection is the
 * worker's database lease instead, which also gives fencing.
 */
export function createPgBossQueue(input: {
  databaseUrl: string;
  log: Logger;
  retry?: Partial<Record<JobName, RetryPolicy>>;
  /** Backstop for a job fetched by a worker that died before taking its lease (the lease reaper is faster). */
  expireInSeconds?: number;
  poolSize?: number;
  /** pg-boss maintenance in this process (default true); a send-only client turns it off. */
  supervise?: boolean;
}): JobQueue {
  const retry = { ...defaultRetryPolicy, ...input.retry };
  // Required on use: pg-boss (CommonJS) and pg load only for PostgreSQL, so SQLite commands start faster.
  const PgBossClass = createRequire(import.meta.url)('pg-boss') as typeof PgBoss;
  const boss = new PgBossClass({
    connectionString: input.databaseUrl,
    max: input.poolSize ?? 3,
    schedule: false,
    supervise: input.supervise ?? true,
    migrate: true,
  });
  boss.on('error', (error: Error) => input.log.warn({ err: error.message }, 'pg-boss error'));

  return {
    kind: 'pg-boss',
    async start() {
      await boss.start();
      for (const name of jobNames) {
        const queue = queueNameFor(name);
        if (await boss.getQueue(queue)) continue;
        await boss.createQueue(queue, {
          name: queue,
          policy: 'short',
          retryLimit: retry[name].retryLimit,
          retryDelay: Math.max(1, Math.round(retry[name].retryDelayMs / 1000)),
          retryBackoff: true,
          expireInSeconds: input.expireInSeconds ?? 3600,
        });
      }
    },

    async stop() {
      await boss.stop({ graceful: false, wait: true, timeout: 5000 });
    },

    async send(name, data, options = {}) {
      return boss.send(queueNameFor(name), data as object, {
        singletonKey: singletonKeyFor(name, data),
        ...(options.startAfter !== undefined ? { startAfter: new Date(options.startAfter) } : {}),
      });
    },

    async sendMany(name, jobs) {
      if (jobs.length === 0) return;
      await boss.insert(
        jobs.map(({ data, startAfter }) => ({
          name: queueNameFor(name),
          data,
          singletonKey: singletonKeyFor(name, data),
          ...(startAfter !== undefined ? { startAfter: new Date(startAfter).toISOString() } : {}),
        })),
      );
    },

    async fetch(name) {
      const [job] = await boss.fetch<unknown>(queueNameFor(name), { batchSize: 1, includeMetadata: true });
      if (!job) return null;
      return {
        id: job.id,
        name,
        data: parsePayload(job.data),
        retryCount: job.retryCount,
        retryLimit: job.retryLimit,
      };
    },

    async complete(name, id, output) {
      await boss.complete(queueNameFor(name), id, output);
    },

    async fail(name, id, reason) {
      await boss.fail(queueNameFor(name), id, { reason });
      const job = await boss.getJobById<unknown>(queueNameFor(name), id, { includeArchive: true });
      return {
        final: job?.state === 'failed',
        attempts: job ? job.retryCount + 1 : 0,
        data: job ? parsePayload(job.data) : null,
      };
    },

    async queued(name, startingBefore) {
      // getQueueSize counts retries far in the future too; this is its count with the start bound (index job_i5).
      const result = await boss
        .getDb()
        .executeSql(
          `SELECT count(*) AS count FROM pgboss.job WHERE name = $1 AND state < 'active' AND start_after < to_timestamp($2 / 1000.0)`,
          [queueNameFor(name), startingBefore],
        );
      return Number((result.rows[0] as { count: string }).count);
    },

    async stats() {
      const result = [];
      for (const name of jobNames) {
        const queue = queueNameFor(name);
        const queued = (await boss.getQueueSize(queue)) ?? 0;
        const upToActive = (await boss.getQueueSize(queue, { before: 'completed' })) ?? 0;
        result.push({ name, queued, active: upToActive - queued });
      }
      return result;
    },
  };
}
