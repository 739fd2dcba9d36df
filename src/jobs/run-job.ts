import type { Clock } from '../clock.ts';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { DeadLetterRepository } from '../store/jobs-dead-letters.ts';
import type { Fence, JobLeaseRepository } from '../store/jobs-leases.ts';
import type { JobContext, JobHandlers } from './job-context.ts';
import { startLeaseHeartbeat } from './lease-heartbeat.ts';
import type { JobName, JobQueue, QueuedJob } from './job-queue.ts';

export interface JobRunnerDeps {
  queue: JobQueue;
  leases: JobLeaseRepository;
  deadLetters: DeadLetterRepository;
  handlers: JobHandlers;
  owner: string;
  clock: Clock;
  log: Logger;
  leaseTtlMs: number;
  heartbeatMs: number;
  /** How long a job waits when its connection is busy or the worker hands it back on shutdown. */
  handBackDelayMs: number;
}

export type JobOutcome = 'completed' | 'retrying' | 'dead' | 'handed_back' | 'lease_lost' | 'busy';

/** The lease key: one active job of each kind per connection, across every worker process. */
export function leaseKeyFor(name: JobName, connectionId: string): string {
  return `${name}:${connectionId}`;
}

/** The reason stored with a failure: the stable code and the safe message, never a raw driver error. */
export function describeFailure(error: unknown): string {
  if (isChartbridgeError(error)) return `${error.code}: ${error.message}`;
  return `unexpected ${(error as Error)?.name ?? 'error'} in job handler`;
}

/**
 * Runs one fetched job under a fenced lease with heartbeats. Shutdown hands the job back to the queue; a lost
 * lease leaves it to the new holder; a failure goes back to the queue for a retry or, when retries are used up,
 * to the dead letters with its reason.
 */
export async function runJob(
  deps: JobRunnerDeps,
  job: QueuedJob,
  shutdown: AbortSignal,
): Promise<JobOutcome> {
  const { connectionId } = job.data;
  const grant = await deps.leases.acquire({
    key: leaseKeyFor(job.name, connectionId),
    owner: deps.owner,
    ttlMs: deps.leaseTtlMs,
    now: deps.clock.now(),
    job: { name: job.name, id: job.id },
  });
  if (!grant) {
    await handBack(deps, job, { busy: true });
    return 'busy';
  }
  if (grant.abandoned && grant.abandoned.id !== job.id) {
    await failAbandonedJob(deps, grant.abandoned.name as JobName, grant.abandoned.id);
  }
  const controller = new AbortController();
  const onShutdown = () => controller.abort(interruptedError());
  shutdown.addEventListener('abort', onShutdown, { once: true });
  if (shutdown.aborted) onShutdown();
  const stopHeartbeat = startLeaseHeartbeat(deps, grant, controller);
  try {
    return await executeHandler(deps, job, grant, controller.signal);
  } finally {
    stopHeartbeat();
    shutdown.removeEventListener('abort', onShutdown);
    if (!isChartbridgeError(controller.signal.reason, 'ERR_LEASE_LOST')) {
      await deps.leases.release(grant).catch((error: unknown) => {
        deps.log.warn({ job: job.id, err: describeFailure(error) }, 'lease release failed; it will expire');
      });
    }
  }
}

async function executeHandler(
  deps: JobRunnerDeps,
  job: QueuedJob,
  fence: Fence,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const context: JobContext = {
    jobId: job.id,
    name: job.name,
    connectionId: job.data.connectionId,
    full: job.data.full === true,
    tokenVersion: job.data.tokenVersion,
    attempt: job.retryCount + 1,
    signal,
    fence,
    assertLeaseHeld: (trx) => deps.leases.assertHeld(trx, fence),
  };
  let failure: unknown;
  let result: Record<string, unknown> = { status: 'done' };
  try {
    result = { ...((await deps.handlers[job.name](context)) ?? { status: 'done' }) };
  } catch (error) {
    failure = error;
  }
  if (isChartbridgeError(signal.reason, 'ERR_LEASE_LOST') || isChartbridgeError(failure, 'ERR_LEASE_LOST')) {
    deps.log.warn({ job: job.id, name: job.name }, 'lease lost; the job belongs to another worker now');
    return 'lease_lost';
  }
  if (signal.aborted) {
    await handBack(deps, job, { interrupted: true });
    return 'handed_back';
  }
  if (failure === undefined) {
    // A holder that was taken over while finishing must not complete the new holder's job.
    if (!(await deps.leases.renew(fence, deps.leaseTtlMs, deps.clock.now()))) return 'lease_lost';
    await deps.queue.complete(job.name, job.id, result);
    return 'completed';
  }
  return recordFailure(deps, job.name, job.id, describeFailure(failure));
}

/** Fails a job in the queue; when its retries are used up it lands in the dead letters with the reason. */
export async function recordFailure(
  deps: Pick<JobRunnerDeps, 'queue' | 'deadLetters' | 'clock' | 'log'>,
  name: JobName,
  jobId: string,
  reason: string,
): Promise<JobOutcome> {
  const result = await deps.queue.fail(name, jobId, reason);
  if (!result.final || !result.data) {
    deps.log.info({ job: jobId, name, reason, attempts: result.attempts }, 'job failed; will retry');
    return 'retrying';
  }
  await deps.deadLetters.record({
    jobId,
    name,
    connectionId: result.data.connectionId,
    data: JSON.stringify(result.data),
    reason,
    attempts: result.attempts,
    now: deps.clock.now(),
  });
  deps.log.warn({ job: jobId, name, reason, attempts: result.attempts }, 'job dead-lettered');
  return 'dead';
}

/** A job whose worker vanished (lease expired): counts as a failed attempt, so a job that kills workers dies. */
export function failAbandonedJob(
  deps: Pick<JobRunnerDeps, 'queue' | 'deadLetters' | 'clock' | 'log'>,
  name: JobName,
  jobId: string,
): Promise<JobOutcome> {
  return recordFailure(deps, name, jobId, 'ERR_LEASE_LOST: the worker running this job stopped heartbeating');
}

export async function handBack(
  deps: Pick<JobRunnerDeps, 'queue' | 'clock' | 'handBackDelayMs'>,
  job: QueuedJob,
  output: Record<string, unknown>,
): Promise<void> {
  // Complete-and-resend instead of fail: handing back is not the job's fault and must not use up a retry.
  await deps.queue.complete(job.name, job.id, { handedBack: true, ...output });
  await deps.queue.send(job.name, job.data, { startAfter: deps.clock.now() + deps.handBackDelayMs });
}

function interruptedError(): ChartbridgeError {
  return new ChartbridgeError('ERR_JOB_INTERRUPTED', 'the worker is shutting down; the job was handed back');
}
