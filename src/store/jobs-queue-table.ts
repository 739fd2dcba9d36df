import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { JobState, JobTable } from './jobs-schema.ts';
import type { Database } from './schema.ts';

export type JobRow = Selectable<JobTable>;

export interface EnqueueInput {
  name: string;
  singletonKey: string;
  data: string;
  startAfter: number;
  retryLimit: number;
  retryDelayMs: number;
  now: number;
}

export interface JobTableRepository {
  /** Inserts a queued job unless one with the same key is already queued (then returns null). */
  enqueue(input: EnqueueInput): Promise<string | null>;
  /** Takes the oldest due job whose key has no active job, marking it active. */
  claim(name: string, now: number): Promise<JobRow | null>;
  complete(id: string, output: string, now: number): Promise<boolean>;
  /** Retries with exponential, jittered backoff, or fails for good when the retry limit is used up. */
  fail(id: string, output: string, now: number, random: number): Promise<JobState | null>;
  get(id: string): Promise<JobRow | null>;
  countByState(): Promise<Array<{ name: string; state: string; n: number }>>;
  /** Jobs of one kind not started yet whose start is before `startingBefore`. */
  countQueued(name: string, startingBefore: number): Promise<number>;
}

/** The SQLite job queue (same semantics as the pg-boss queues: see src/jobs/table-queue.ts). */
export function createJobTableRepository(db: Kysely<Database>): JobTableRepository {
  return {
    async enqueue(input) {
      const id = randomUUID();
      const result = await db
        .insertInto('jobs')
        .values({
          id,
          name: input.name,
          singleton_key: input.singletonKey,
          data: input.data,
          state: 'created',
          retry_count: 0,
          retry_limit: input.retryLimit,
          retry_delay_ms: input.retryDelayMs,
          start_after: input.startAfter,
          started_at: null,
          finished_at: null,
          output: null,
          created_at: input.now,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? id : null;
    },

    async claim(name, now) {
      const row = await db
        .updateTable('jobs')
        .set({
          state: 'active',
          started_at: now,
          // Counted like pg-boss: a job that ran before and comes back is one more attempt.
          retry_count: sql<number>`case when started_at is not null then retry_count + 1 else retry_count end`,
        })
        .where('id', '=', (eb) =>
          eb
            .selectFrom('jobs as j')
            .select('j.id')
            .where('j.name', '=', name)
            .where('j.state', 'in', ['created', 'retry'])
            .where('j.start_after', '<=', now)
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('jobs as a')
                    .select('a.id')
                    .where('a.name', '=', name)
                    .whereRef('a.singleton_key', '=', 'j.singleton_key')
                    .where('a.state', '=', 'active'),
                ),
              ),
            )
            .orderBy('j.start_after')
            .orderBy('j.created_at')
            .limit(1),
        )
        .where('state', 'in', ['created', 'retry'])
        .returningAll()
        .executeTakeFirst();
      return row ?? null;
    },

    async complete(id, output, now) {
      const result = await db
        .updateTable('jobs')
        .set({ state: 'completed', finished_at: now, output })
        .where('id', '=', id)
        .where('state', '=', 'active')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async fail(id, output, now, random) {
      // Read, then compare-and-swap on (state, retry_count): no read-then-write transaction, which SQLite would
      // refuse to upgrade while another process writes.
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || !['created', 'retry', 'active'].includes(row.state)) return null;
      const final = row.retry_count >= row.retry_limit;
      // pg-boss's formula: delay × 2^(n+1) / 2 × (1 + random), so retries spread instead of stampeding.
      const base = (row.retry_delay_ms * 2 ** Math.min(16, row.retry_count + 1)) / 2;
      const state: JobState = final ? 'failed' : 'retry';
      const result = await db
        .updateTable('jobs')
        .set({
          state,
          output,
          start_after: final ? row.start_after : now + Math.round(base + base * random),
          finished_at: final ? now : null,
        })
        .where('id', '=', id)
        .where('state', '=', row.state)
        .where('retry_count', '=', row.retry_count)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? state : null;
    },

    async get(id) {
      return (await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    async countByState() {
      const rows = await db
        .selectFrom('jobs')
        .select(['name', 'state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['name', 'state'])
        .orderBy('name')
        .orderBy('state')
        .execute();
      return rows.map((r) => ({ name: r.name, state: r.state, n: Number(r.n) }));
    },

    async countQueued(name, startingBefore) {
      const row = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('name', '=', name)
        .where('state', 'in', ['created', 'retry'])
        .where('start_after', '<', startingBefore)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
