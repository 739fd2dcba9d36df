import { createCachedTokenSource } from '../fhir/cached-token-source.ts';
import type { Clock } from '../clock.ts';
import { createAuditRepository, type AuditRepository } from '../store/audit-repository.ts';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { createFhirClient, type FhirLimits, type TokenSource } from '../fhir/fhir-client.ts';
import { createHostLimiter, type HostLimiter } from '../fhir/host-limiter.ts';
import { createPriorityLimiter } from '../fhir/priority-limiter.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { createBinariesRepository } from '../store/binaries-repository.ts';
import { createConnectionRepository } from '../store/connection-repository.ts';
import type { Store } from '../store/database.ts';
import type { Fence } from '../store/jobs-leases.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { createSyncRunsRepository } from '../store/sync-runs-repository.ts';
import { createCareTimeline } from './care-timeline.ts';
import { executeRun, type RunOutcome } from './execute-run.ts';
import { finishRun, type SyncSummary } from './finish-run.ts';
import { openRun, type OpenedRun } from './open-run.ts';
import type { SyncTarget } from '../store/sync-runs-repository.ts';
import { defaultSyncLimits, type SyncContext, type SyncLimits, type SyncProgress } from './sync-context.ts';
import { sendSyncWebhook, type WebhookTarget } from './webhook.ts';

/** The parts of Services a sync uses; `Services` satisfies it. */
export interface SyncServices {
  store: Store;
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
  vault: TokenSource;
  hostLimiter?: HostLimiter;
  config?: { webhook: WebhookTarget | undefined };
  /** Counts finished runs by status and the resources they stored (`/metrics`). */
  metrics?: Pick<Metrics, 'recordSyncRun'>;
}

export interface RunSyncInput {
  services: SyncServices;
  connectionId: string;
  /** Re-read everything and remove resources that vanished at the EHR. */
  full?: boolean;
  onProgress?: (progress: SyncProgress) => void;
  fhirLimits?: Partial<FhirLimits>;
  syncLimits?: Partial<SyncLimits>;
  sleep?: (ms: number) => Promise<void>;
  /** Overrides services.hostLimiter (the worker passes one shared through the database). */
  limiter?: HostLimiter;
  /** Aborting stops the run between pages; it stays resumable from its checkpoint (B26). */
  signal?: AbortSignal;
  /** A worker's job lease: every page commit checks it in its transaction (a zombie's pages are not written). */
  fence?: Fence;
}

/** A run that ended `retryable` or `failed`: thrown so a job retries (and dead-letters a poison connection). */
export class SyncRunError extends ChartbridgeError {
  readonly summary: SyncSummary;
  constructor(summary: SyncSummary) {
    const retryable = summary.status === 'retryable';
    super(
      retryable ? 'ERR_FHIR_RETRYABLE' : 'ERR_SYNC_FAILED',
      `sync of connection '${summary.connectionId}' ${retryable ? 'paused; it resumes from its checkpoint' : 'failed'}: ${summary.reason ?? 'no reason recorded'}`,
    );
    this.summary = summary;
  }
}

export type { SyncSummary };

/**
 * Syncs one connection: resumes its unfinished run or starts one, runs the plan's queries with a checkpoint
 * per page, chases references, fetches attachments, removes vanished resources on a full run, records the
 * outcome and sends the webhook. Returns the summary when the run succeeded or was partial (some queries failed,
 * the rest stored); throws SyncRunError (with the summary) when it must be retried or failed outright.
 */
export async function runSync(input: RunSyncInput): Promise<SyncSummary> {
  const { services, connectionId } = input;
  const db = services.store.db;
  const repos = {
    resources: createResourcesRepository(db, services.store.sqlite, services.store.dialect),
    runs: createSyncRunsRepository(db),
    binaries: createBinariesRepository(db),
    connections: createConnectionRepository(db),
  };
  const target = await loadActiveTarget(repos.runs, connectionId);
  const opened = await openRun(repos.runs, connectionId, input.full ?? false, services.clock.now());
  const ctx = createSyncContext(input, target, opened, repos);
  let outcome: RunOutcome;
  try {
    outcome = await executeRun(ctx, target);
  } catch (error) {
    outcome = await classifyRunError(ctx, target, error, createAuditRepository(db));
  }
  const summary = await finishRun(ctx, outcome, opened.resumed);
  services.metrics?.recordSyncRun(summary);
  if (services.config?.webhook) {
    const deps = {
      target: services.config.webhook,
      fetch: services.fetch,
      clock: services.clock,
      log: services.log,
    };
    await sendSyncWebhook(deps, summary);
  }
  if (summary.status === 'retryable' || summary.status === 'failed') throw new SyncRunError(summary);
  return summary;
}

async function loadActiveTarget(
  runs: SyncContext['repos']['runs'],
  connectionId: string,
): Promise<SyncTarget> {
  const target = await runs.findTarget(connectionId);
  if (!target) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`);
  if (target.status !== 'active') {
    throw new ChartbridgeError(
      'ERR_CONNECTION_INACTIVE',
      `connection '${connectionId}' is ${target.status}; the patient must connect again`,
    );
  }
  return target;
}

function createSyncContext(
  input: RunSyncInput,
  target: SyncTarget,
  opened: OpenedRun,
  repos: SyncContext['repos'],
): SyncContext {
  const { services, connectionId } = input;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limits = { ...defaultSyncLimits, ...input.syncLimits };
  const shared = input.limiter ?? services.hostLimiter ?? createHostLimiter();
  const client = createFhirClient({
    fhirBase: target.fhir_base,
    connectionId,
    tokens: createCachedTokenSource(services.vault, () => performance.now()),
    limiter: createPriorityLimiter(shared, limits.requestsInFlight),
    fetch: services.fetch,
    limits: input.fhirLimits,
    sleep,
    now: () => services.clock.now(),
    onRefused: (event) =>
      services.log.warn(
        { connectionId, origin: event.origin },
        'refused to send credentials outside the fhir base',
      ),
  });
  return {
    connectionId,
    runId: opened.run.id,
    full: opened.run.full === 1,
    since: opened.since,
    repos,
    clock: services.clock,
    log: services.log,
    limits,
    sleep,
    progress: { phase: 'queries', queriesDone: 0, queriesTotal: 0, pages: 0, resources: 0 },
    onProgress: input.onProgress,
    warnings: [],
    signal: input.signal,
    fence: input.fence,
    client,
    timeline: createCareTimeline(),
    chainsStarted: 0,
  };
}

async function classifyRunError(
  ctx: SyncContext,
  target: SyncTarget,
  error: unknown,
  audit: AuditRepository,
): Promise<RunOutcome> {
  // The job belongs to another worker now: record nothing, the new holder resumes the run.
  if (isChartbridgeError(error, 'ERR_LEASE_LOST')) throw error;
  if (isChartbridgeError(error, 'ERR_FHIR_REAUTH_REQUIRED')) {
    const reason = 'the ehr rejected a freshly refreshed access token';
    await ctx.repos.connections.setStatus(ctx.connectionId, 'needs_reauth', reason, ctx.clock.now());
    // Audited like the vault's invalid_grant: the re-authorisation burst alert counts these rows.
    const detail = { code: 'ERR_FHIR_REAUTH_REQUIRED' };
    const event = {
      actor: 'sync',
      action: 'connection.needs_reauth',
      connectionId: ctx.connectionId,
      userId: target.user_id,
      detail,
    };
    await audit.record(event, ctx.clock.now());
    return { status: 'failed', reason: error.message };
  }
  if (isChartbridgeError(error)) {
    const permanent = [
      'ERR_CONNECTION_INACTIVE',
      'ERR_NOT_REFRESHABLE',
      'ERR_INVALID_GRANT',
      'ERR_SEAL_INVALID',
      'ERR_NOT_FOUND',
    ];
    return { status: permanent.includes(error.code) ? 'failed' : 'retryable', reason: error.message };
  }
  ctx.log.error({ err: error, connectionId: ctx.connectionId }, 'sync stopped by an unexpected error');
  throw error;
}
