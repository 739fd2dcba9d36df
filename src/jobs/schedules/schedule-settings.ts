import type { Clock } from '../../clock.ts';
import type { ScheduleRepository } from '../../store/jobs-schedules.ts';
import type { JobQueue } from '../job-queue.ts';

export interface ScheduleSettings {
  /** Refresh this long before the access token expires… */
  refreshAheadMs: number;
  /** …minus a random part up to this, so thousands of tokens expiring together do not refresh together. */
  refreshJitterMs: number;
  /** Incremental re-sync period per connection, and the random spread added to each connection's first one. */
  resyncIntervalMs: number;
  resyncJitterMs: number;
  /** Warn this long before a patient's persistent access ends. */
  noticeAheadMs: number;
  /** A planned job goes into the queue this long before it starts (a tick's worth: the queue stays shallow). */
  horizonMs: number;
  batchSize: number;
  /**
   * At most this many jobs of one kind wait in the queue; due work beyond it waits in its schedule row, earliest
   * first. pg-boss's fetch sorts every due job it holds: with 200,000 queued, starts fell to 18 a second; with
   * 5,000 a kind to ~190; with 1,000 or 2,000, topped up every 5 s, they held at ~350 (bench:schedule,
   * docs/capacity.md).
   */
  queueLimit: number;
}

export const defaultScheduleSettings: ScheduleSettings = {
  refreshAheadMs: 10 * 60_000,
  refreshJitterMs: 5 * 60_000,
  resyncIntervalMs: 24 * 3_600_000,
  resyncJitterMs: 60 * 60_000,
  noticeAheadMs: 14 * 86_400_000,
  horizonMs: 60_000,
  batchSize: 2000,
  queueLimit: 2000,
};

/** What every planning and release step works with. */
export interface TickDeps {
  schedules: ScheduleRepository;
  queue: JobQueue;
  clock: Clock;
  random: () => number;
  settings: ScheduleSettings;
}
