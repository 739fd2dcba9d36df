import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { systemClock } from '../clock.ts';
import { createJobQueue } from '../jobs/create-job-queue.ts';
import type { JobName, JobQueue } from '../jobs/job-queue.ts';
import { parsePayload } from '../jobs/job-queue.ts';
import { parseCountFlag } from '../jobs/worker-settings.ts';
import { openStore, type Store } from '../store/database.ts';
import { createDeadLetterRepository, type DeadLetterRow } from '../store/jobs-dead-letters.ts';
import { migrateToLatest } from '../store/migrate.ts';

async function withQueue<T>(work: (store: Store, queue: JobQueue) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const store = openStore(config.databaseUrl, { poolSize: 2 });
  const log = createLogger({ level: config.logLevel, destination: process.stderr });
  try {
    await migrateToLatest(store);
    const queue = createJobQueue({ store, databaseUrl: config.databaseUrl, clock: systemClock, log });
    await queue.start();
    try {
      return await work(store, queue);
    } finally {
      await queue.stop();
    }
  } finally {
    await store.close();
  }
}

function toJson(row: DeadLetterRow) {
  return {
    id: row.job_id,
    name: row.name,
    connectionId: row.connection_id,
    attempts: row.attempts,
    reason: row.reason,
    failedAt: new Date(row.failed_at).toISOString(),
    redrivenAt: row.redriven_at === null ? null : new Date(row.redriven_at).toISOString(),
    redriveJobId: row.redrive_job_id,
  };
}

/** `chartbridge jobs failed|redrive <id>|stats` — dead letters and queue health, on SQLite and PostgreSQL. */
export function registerJobsCommand(program: Command): void {
  const group = program.command('jobs').description('background jobs: dead letters and queue statistics');
  registerFailed(group);
  registerRedrive(group);
  registerStats(group);
}

function registerFailed(group: Command): void {
  group
    .command('failed')
    .description('list jobs that used up their retries, with the reason (dead letters)')
    .option('--all', 'include dead letters already redriven')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: { all?: boolean; limit?: string; json?: boolean }) => {
      const limit = parseCountFlag('--limit', flags.limit) ?? 100;
      await withQueue(async (store) => {
        const rows = await createDeadLetterRepository(store.db).list({ includeRedriven: !!flags.all, limit });
        const list = rows.map(toJson);
        if (flags.json) return void console.log(JSON.stringify(list, null, 2));
        if (list.length === 0) return void console.log('no failed jobs');
        for (const j of list) {
          console.log(
            `${j.id}  ${j.name}  connection ${j.connectionId}  attempts ${j.attempts}  ${j.failedAt}  ${j.reason}`,
          );
        }
      });
    });
}

function registerRedrive(group: Command): void {
  group
    .command('redrive <id>')
    .description('queue a dead-lettered job again (same connection, fresh retries)')
    .action(async (id: string) => {
      if (!/^[\w-]{1,100}$/.test(id)) {
        throw new ChartbridgeError('ERR_INVALID_INPUT', `invalid job id '${id.slice(0, 100)}'`);
      }
      await withQueue(async (store, queue) => {
        const deadLetters = createDeadLetterRepository(store.db);
        const row = await deadLetters.get(id);
        if (!row || row.redriven_at !== null) {
          throw new ChartbridgeError(
            'ERR_NOT_FOUND',
            `no failed job '${id}' to redrive; list them with 'chartbridge jobs failed'`,
          );
        }
        const newId = await queue.send(row.name as JobName, parsePayload(row.data));
        await deadLetters.markRedriven(id, newId ?? 'coalesced', Date.now());
        console.log(
          newId
            ? `redriven ${id} as ${newId}`
            : `redriven ${id}: an identical job was already queued for connection ${row.connection_id}`,
        );
      });
    });
}

function registerStats(group: Command): void {
  group
    .command('stats')
    .description('queued and active jobs per kind, and open dead letters')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: { json?: boolean }) => {
      await withQueue(async (store, queue) => {
        const stats = {
          queue: queue.kind,
          jobs: await queue.stats(),
          failed: await createDeadLetterRepository(store.db).countOpen(),
        };
        if (flags.json) return void console.log(JSON.stringify(stats, null, 2));
        console.log(`queue: ${stats.queue}`);
        for (const s of stats.jobs) console.log(`${s.name}: ${s.queued} queued, ${s.active} active`);
        console.log(`failed (dead letters): ${stats.failed}`);
      });
    });
}
