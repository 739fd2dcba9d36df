import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Background work (issue 5). `jobs` is the queue on SQLite (PostgreSQL uses pg-boss's own schema, but the table
 * exists on both so the schema stays identical). `job_leases` gives one live holder per key with a fencing token
 * that only grows, so a worker that lost its lease cannot write afterwards. `limit_slots` are expiring leases that
 * cap concurrency across every process (per EHR host and global). `dead_letters` keeps jobs that exhausted their
 * retries with the reason; `job_schedules` and `notices` make the scheduler's work idempotent across processes.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('singleton_key', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_limit', 'integer', (c) => c.notNull())
    .addColumn('retry_delay_ms', 'bigint', (c) => c.notNull())
    .addColumn('start_after', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('output', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_fetch').on('jobs').columns(['name', 'state', 'start_after']).execute();
  await db.schema.createIndex('jobs_key').on('jobs').columns(['name', 'singleton_key', 'state']).execute();
  // Like pg-boss's 'short' policy: at most one queued job per key, so repeated requests coalesce.
  await db.schema
    .createIndex('jobs_queued_key')
    .on('jobs')
    .columns(['name', 'singleton_key'])
    .unique()
    .where(sql.ref('state'), '=', 'created')
    .execute();

  await db.schema
    .createTable('job_leases')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text')
    .addColumn('fence', 'bigint', (c) => c.notNull())
    .addColumn('job_name', 'text')
    .addColumn('job_id', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('job_leases_expiry').on('job_leases').column('expires_at').execute();

  await db.schema
    .createTable('limit_slots')
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('limit_slots_pk', ['pool', 'slot'])
    .execute();

  await db.schema
    .createTable('dead_letters')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('failed_at', 'bigint', (c) => c.notNull())
    .addColumn('redriven_at', 'bigint')
    .addColumn('redrive_job_id', 'text')
    .execute();

  await db.schema
    .createTable('job_schedules')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('token_version', 'integer')
    .addPrimaryKeyConstraint('job_schedules_pk', ['connection_id', 'name'])
    .execute();

  await db.schema
    .createTable('notices')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('webhook_status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notices_pk', ['connection_id', 'kind', 'period_key'])
    .execute();
}
