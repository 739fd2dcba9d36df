import { checkReauthBurst, type ReauthBurst } from '../../audit/reauth-burst.ts';
import { applyRetention, type RetentionResult } from '../../audit/retention.ts';
import type { Clock } from '../../clock.ts';
import type { SafeguardsConfig } from '../../config/safeguards-config.ts';
import type { Logger } from '../../log/logger.ts';
import type { AuditRepository } from '../../store/audit-repository.ts';
import type { Store } from '../../store/database.ts';
import type { WebhookTarget } from '../../sync/webhook.ts';
import { createJobLeaseRepository } from '../../store/jobs-leases.ts';
import { describeFailure } from '../run-job.ts';
import type { Companion } from '../worker-process.ts';

/** Retention runs at most this often across all workers: its deletes are by time, an hour late changes nothing. */
export const RETENTION_INTERVAL_MS = 3_600_000;

export interface SafeguardsSchedule extends Companion {
  /** The burst check, when no other worker ran it this interval; null when not due or no burst. */
  checkBurst(): Promise<ReauthBurst | null>;
  /** Retention, when no other worker ran it this hour; null when not due. */
  applyRetention(): Promise<RetentionResult | null>;
}

/**
 * The worker's safeguards beside the scheduler (issue 14, points 5 and 8): the re-authorisation burst check every
 * `intervalMs` and retention every hour. The lease row is the schedule (like the directory update): whoever
 * acquires it runs, and keeps it until the next run is due, so any number of workers run each once.
 */
export function createSafeguardsSchedule(input: {
  /** The parts of Services it uses, with `config.safeguards` and `config.webhook`. */
  services: {
    store: Store;
    repos: { audit: AuditRepository };
    clock: Clock;
    log: Logger;
    fetch: typeof fetch;
    config: { safeguards: SafeguardsConfig; webhook: WebhookTarget | undefined };
  };
  owner: string;
  intervalMs: number;
  autoStart?: boolean;
}): SafeguardsSchedule {
  const { services } = input;
  const settings = services.config.safeguards;
  const leases = createJobLeaseRepository(services.store.db, services.store.dialect);
  // Its own owner name: a worker's shutdown (releaseOwner) must not make the next run due at once.
  const owner = `${input.owner}/safeguards`;
  const whenDue = async <T>(key: string, ttlMs: number, work: () => Promise<T>): Promise<T | null> => {
    const grant = await leases.acquire({ key, owner, ttlMs, now: services.clock.now() });
    return grant ? work() : null;
  };
  const checkBurst = () =>
    whenDue('schedule:reauth-burst', input.intervalMs, () =>
      checkReauthBurst({ ...services, webhook: services.config.webhook }, settings.reauthBurst),
    );
  const retain = () =>
    whenDue('schedule:retention', RETENTION_INTERVAL_MS, () => applyRetention(services, settings));

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  if (input.autoStart !== false) {
    timer = setInterval(() => {
      running ??= checkBurst()
        .then(retain)
        .catch((error: unknown) =>
          services.log.warn({ err: describeFailure(error) }, 'safeguards schedule failed'),
        )
        .finally(() => (running = undefined));
    }, input.intervalMs);
    timer.unref();
  }
  return {
    checkBurst,
    applyRetention: retain,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
