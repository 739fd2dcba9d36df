import type { Kysely, Selectable } from 'kysely';
import type { DeadLetterTable } from './jobs-schema.ts';
import type { Database } from './schema.ts';

export type DeadLetterRow = Selectable<DeadLetterTable>;

export interface DeadLetterRepository {
  record(input: {
    jobId: string;
    name: string;
    connectionId: string;
    data: string;
    reason: string;
    attempts: number;
    now: number;
  }): Promise<void>;
  list(options: { includeRedriven: boolean; limit: number }): Promise<DeadLetterRow[]>;
  get(jobId: string): Promise<DeadLetterRow | null>;
  /** Marks a dead letter as sent again; false when someone redrove it first. */
  markRedriven(jobId: string, newJobId: string, now: number): Promise<boolean>;
  countOpen(): Promise<number>;
}

/** Jobs that used up their retries, with the reason, for `chartbridge jobs failed|redrive` (both databases). */
export function createDeadLetterRepository(db: Kysely<Database>): DeadLetterRepository {
  return {
    async record(input) {
      await db
        .insertInto('dead_letters')
        .values({
          job_id: input.jobId,
          name: input.name,
          connection_id: input.connectionId,
          data: input.data,
          reason: input.reason,
          attempts: input.attempts,
          failed_at: input.now,
          redriven_at: null,
          redrive_job_id: null,
        })
        .onConflict((oc) =>
          oc.column('job_id').doUpdateSet({
            reason: input.reason,
            attempts: input.attempts,
            failed_at: input.now,
            redriven_at: null,
            redrive_job_id: null,
          }),
        )
        .execute();
    },

    async list({ includeRedriven, limit }) {
      let query = db.selectFrom('dead_letters').selectAll();
      if (!includeRedriven) query = query.where('redriven_at', 'is', null);
      return query.orderBy('failed_at', 'desc').orderBy('job_id').limit(limit).execute();
    },

    async get(jobId) {
      return (
        (await db.selectFrom('dead_letters').selectAll().where('job_id', '=', jobId).executeTakeFirst()) ??
        null
      );
    },

    async markRedriven(jobId, newJobId, now) {
      const result = await db
        .updateTable('dead_letters')
        .set({ redriven_at: now, redrive_job_id: newJobId })
        .where('job_id', '=', jobId)
        .where('redriven_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async countOpen() {
      const row = await db
        .selectFrom('dead_letters')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('redriven_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
