import type { Clock } from '../clock.ts';
import type { Store } from '../store/database.ts';
import { createJobTableRepository } from '../store/jobs-queue-table.ts';
import {
  defaultRetryPolicy,
  parsePayload,
  singletonKeyFor,
  type JobName,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.ts';

/**
 * The queue on SQLite: rows in `jobs`, claimed with one atomic UPDATE … RETURNING, so several worker processes on
 * one SQLite file share it safely. Same semantics as the pg-boss queue ('short' policy, pg-boss backoff formula).
 */
export function createTableQueue(input: {
  store: Store;
  clock: Clock;
  retry?: Partial<Record<JobName, RetryPolicy>>;
  random?: () => number;
}): JobQueue {
  const repo = createJobTableRepository(input.store.db);
  const retry = { ...defaultRetryPolicy, ...input.retry };
  const random = input.random ?? Math.random;
  const send: JobQueue['send'] = async (name, data, options = {}) => {
    const now = input.clock.now();
    return repo.enqueue({
      name,
      singletonKey: singletonKeyFor(name, data),
      data: JSON.stringify(data),
      startAfter: options.startAfter ?? now,
      retryLimit: retry[name].retryLimit,
      retryDelayMs: retry[name].retryDelayMs,
      now,
    });
  };
  return {
    kind: 'table',
    start: async () => undefined,
    stop: async () => undefined,

    send,

    async sendMany(name, jobs) {
      // SQLite is in-process: a round trip costs nothing worth batching.
      for (const { data, startAfter } of jobs) await send(name, data, { startAfter });
    },

    async fetch(name) {
      const row = await repo.claim(name, input.clock.now());
      if (!row) return null;
      return {
        id: row.id,
        name,
        data: parsePayload(row.data),
        retryCount: row.retry_count,
        retryLimit: row.retry_limit,
      };
    },

    async complete(_name, id, output) {
      await repo.complete(id, JSON.stringify(output), input.clock.now());
    },

    async fail(_name, id, reason) {
      const state = await repo.fail(id, JSON.stringify({ reason }), input.clock.now(), random());
      const row = await repo.get(id);
      return {
        final: state === 'failed',
        attempts: row ? row.retry_count + 1 : 0,
        data: row ? parsePayload(row.data) : null,
      };
    },

    queued: (name, startingBefore) => repo.countQueued(name, startingBefore),

    async stats() {
      const counts = await repo.countByState();
      return (['refresh', 'sync'] as const).map((name) => {
        const of = (states: string[]) =>
          counts.filter((c) => c.name === name && states.includes(c.state)).reduce((a, c) => a + c.n, 0);
        return { name, queued: of(['created', 'retry']), active: of(['active']) };
      });
    },
  };
}
