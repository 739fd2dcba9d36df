import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Case 45 at 100,000 connections (issue 17): the scheduler no longer puts a whole window of future jobs into the
 * queue, because pg-boss's fetch sorts every due job it holds and slowed to 18 starts a second under 200,000. A
 * schedule row now holds its plan until the job is due: `job_schedules.queued_at` is when a refresh plan was put
 * in the queue (null: still waiting here; sync rows advance instead and keep it null). The partial index serves
 * the release step, which takes the earliest waiting rows first.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('job_schedules').addColumn('queued_at', 'bigint').execute();
  // Refresh rows from before were queued when planned, and their next_at is that time.
  await sql`update job_schedules set queued_at = next_at where name = 'refresh'`.execute(db);
  await db.schema
    .createIndex('job_schedules_waiting')
    .on('job_schedules')
    .columns(['name', 'next_at'])
    .where(sql.ref('queued_at'), 'is', null)
    .execute();
}
