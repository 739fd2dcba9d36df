import { Gauge } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/database.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { createScheduleRepository } from '../store/jobs-schedules.ts';
import { createSlotRepository } from '../store/jobs-slots.ts';
import type { Metrics } from './metrics.ts';

/** Where the scrape-time gauges read from: the database (dead letters, limit slots) and the job queue. */
export interface StoreGaugeSources {
  store: Store;
  /** Every job kind, even one with nothing queued (both queue implementations list them all). */
  jobs: { stats(): Promise<Array<{ name: string; queued: number; active: number }>> };
  clock: Clock;
}

const HOST_POOL_PREFIX = 'host:';

/**
 * Gauges read from the database when Prometheus scrapes (prom-client's `collect`), so every process reports the
 * same cluster-wide figures whichever one is scraped, and nothing runs between scrapes.
 */
export function registerStoreGauges(metrics: Metrics, sources: StoreGaugeSources): void {
  const registers = [metrics.registry];
  const deadLetters = createDeadLetterRepository(sources.store.db);
  const slots = createSlotRepository(sources.store.db, sources.store.dialect);
  const schedules = createScheduleRepository(sources.store.db);
  new Gauge({
    name: 'chartbridge_jobs_queued',
    help: 'Jobs waiting to run (queued or waiting for a retry), by job kind, across all workers',
    labelNames: ['job'] as const,
    registers,
    async collect() {
      for (const { name, queued } of await sources.jobs.stats()) this.labels(name).set(queued);
    },
  });
  new Gauge({
    name: 'chartbridge_jobs_active',
    help: 'Jobs running now, by job kind, across all workers',
    labelNames: ['job'] as const,
    registers,
    async collect() {
      for (const { name, active } of await sources.jobs.stats()) this.labels(name).set(active);
    },
  });
  new Gauge({
    name: 'chartbridge_jobs_overdue',
    help: 'Jobs past their planned start still waiting for room in the queue, by job kind (workers fall behind)',
    labelNames: ['job'] as const,
    registers,
    async collect() {
      const now = sources.clock.now();
      for (const name of ['refresh', 'sync'] as const)
        this.labels(name).set(await schedules.countWaiting(name, now));
    },
  });
  new Gauge({
    name: 'chartbridge_dead_letters',
    help: 'Jobs that used up their retries and were not redriven (chartbridge jobs failed)',
    registers,
    async collect() {
      this.set(await deadLetters.countOpen());
    },
  });
  new Gauge({
    name: 'chartbridge_host_slots_in_use',
    help: 'Requests in flight to each EHR host (host:port) across all workers; at most the host limit',
    labelNames: ['host'] as const,
    registers,
    async collect() {
      const pools = await slots.countHeldByPool(sources.clock.now());
      // A host that went quiet reports 0 until its slot rows are gone, not its last value.
      this.reset();
      for (const { pool, held } of pools) {
        if (pool.startsWith(HOST_POOL_PREFIX)) this.labels(pool.slice(HOST_POOL_PREFIX.length)).set(held);
      }
    },
  });
}
