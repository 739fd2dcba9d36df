/**
 * A worker OS process with simple, observable handlers, for the queue/lease/fencing/limits/SIGTERM tests. It runs
 * the same runtime as `chartbridge worker`; only the handlers differ. Each "sync" walks TEST_STEPS steps: one HTTP
 * request to the connection's target host under a host slot, then one fenced write (an audit row) per step, resuming
 * after the last written step — so every step must end up written exactly once, whatever is killed.
 */
import { pino } from 'pino';
import { ChartbridgeError } from '../../errors.ts';
import { createLogger } from '../../log/logger.ts';
import { systemClock } from '../../clock.ts';
import { openStore } from '../../store/database.ts';
import { createAuditRepository } from '../../store/audit-repository.ts';
import type { JobContext, JobHandlers } from '../../jobs/job-context.ts';
import { createHostSlots, type HostSlots } from '../../jobs/limits/host-slots.ts';
import { runWorkerUntilSignal } from '../../jobs/worker-process.ts';
import type { Store } from '../../store/database.ts';

const env = process.env;
const num = (name: string, fallback: number) => Number(env[name] ?? fallback);
const targets = (env.TEST_TARGETS ?? '').split(',').filter(Boolean);
const steps = num('TEST_STEPS', 3);

function targetFor(connectionId: string): string {
  const index = Number(/(\d+)$/.exec(connectionId)?.[1] ?? 0);
  return targets[index % targets.length]!;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function walkSteps(store: Store, hosts: HostSlots, context: JobContext, owner: string): Promise<void> {
  if (context.connectionId.startsWith('poison')) {
    throw new ChartbridgeError('ERR_FHIR_RESPONSE_INVALID', "page 1 of 'Observation' is not a FHIR Bundle");
  }
  const audit = createAuditRepository(store.db);
  const written = (await audit.listForConnection(context.connectionId)).filter(
    (r) => r.action === 'test.step',
  );
  for (let step = written.length + 1; step <= steps; step += 1) {
    context.signal.throwIfAborted();
    const target = targetFor(context.connectionId);
    await hosts.withHostSlot(target, async () => {
      const response = await fetch(`${target}/step?c=${context.connectionId}&s=${step}`, {
        signal: context.signal,
      });
      await response.arrayBuffer();
    });
    await store.db.transaction().execute(async (trx) => {
      await context.assertLeaseHeld(trx);
      await createAuditRepository(trx).record(
        {
          actor: owner,
          action: 'test.step',
          connectionId: context.connectionId,
          detail: { step, fence: context.fence.token },
        },
        Date.now(),
      );
    });
    say(`step ${context.connectionId} ${step}`);
  }
}

// Logs go to stderr: stdout carries the lines the tests read.
const log = createLogger({ level: env.CHARTBRIDGE_LOG_LEVEL ?? 'silent', destination: pino.destination(2) });
const databaseUrl = env.CHARTBRIDGE_DATABASE_URL!;
const store = openStore(databaseUrl, { poolSize: 8 });
const retryDelayMs = num('TEST_RETRY_DELAY_MS', 1000);
const retryLimit = num('TEST_RETRY_LIMIT', 2);

await runWorkerUntilSignal({
  store,
  databaseUrl,
  clock: systemClock,
  log,
  graceMs: num('TEST_GRACE_MS', 3000),
  retry: { sync: { retryLimit, retryDelayMs }, refresh: { retryLimit, retryDelayMs } },
  worker: {
    concurrency: num('TEST_CONCURRENCY', 2),
    leaseTtlMs: num('TEST_LEASE_MS', 1500),
    pollMs: 100,
    handBackDelayMs: 200,
    globalLimit: env.TEST_GLOBAL_LIMIT ? Number(env.TEST_GLOBAL_LIMIT) : null,
    onOutcome: (job, outcome) => say(`outcome ${job.name} ${job.data.connectionId} ${outcome}`),
  },
  createHandlers: ({ limiter, owner }): JobHandlers => {
    const hosts = createHostSlots({ limiter, hostLimit: num('TEST_HOST_LIMIT', 5) });
    return {
      sync: (context) => walkSteps(store, hosts, context, owner),
      refresh: (context) => walkSteps(store, hosts, context, owner),
    };
  },
  onReady: (owner) => say(`ready ${owner}`),
});
say('exited cleanly');
