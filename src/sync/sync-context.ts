import type { Clock } from '../clock.ts';
import type { CareTimeline } from './care-timeline.ts';
import type { FhirClient } from '../fhir/fhir-client.ts';
import type { JsonLimits } from '../fhir/json-limits.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectionRepository } from '../store/connection-repository.ts';
import type { Fence } from '../store/jobs-leases.ts';
import type { BinariesRepository } from '../store/binaries-repository.ts';
import type { ResourcesRepository } from '../store/resources-repository.ts';
import type { SyncRunsRepository } from '../store/sync-runs-repository.ts';

export interface SyncLimits {
  /** Pages one query may take before ERR_PAGE_LIMIT (endless paging, A11). */
  maxPagesPerQuery: number;
  /** Queries in flight at once; the per-host limiter still caps requests on the wire. */
  queryConcurrency: number;
  /**
   * The run's own requests on the wire at once (its share of a host's limit); the rest wait in the run's queue,
   * ordered by page-priority.ts. The shared per-host limiter still caps all runs together.
   */
  requestsInFlight: number;
  json: JsonLimits;
  /** Largest attachment kept; bigger ones are recorded as too_large. */
  maxBinaryBytes: number;
  /** Page commits retried this many times when the database is busy or down (B24). */
  commitAttempts: number;
  /** Split long dated searches into parallel `date` windows on full runs (see windowed-query.ts). */
  dateWindows: boolean;
  /** `_count` asked for on searches. */
  pageSize: number;
  /** Resources one run stores at most (a hostile server cannot fill the disk); past it, queries end with why. */
  maxResourcesPerRun: number;
}

export const defaultSyncLimits: SyncLimits = {
  maxPagesPerQuery: 5_000,
  queryConcurrency: 16,
  requestsInFlight: 5,
  // A page over 2,000 entries is refused in the pre-scan (issue 14): real servers page at 50–1,000.
  json: { maxDepth: 64, maxStringLength: 16 * 1024 * 1024, maxEntries: 2_000 },
  maxBinaryBytes: 25 * 1024 * 1024,
  commitAttempts: 5,
  dateWindows: true,
  pageSize: 100,
  maxResourcesPerRun: 1_000_000,
};

export interface SyncProgress {
  phase: 'queries' | 'references' | 'attachments' | 'finishing';
  queriesDone: number;
  queriesTotal: number;
  pages: number;
  resources: number;
}

/** Everything one sync run shares between its queries and phases. */
export interface SyncContext {
  connectionId: string;
  runId: string;
  full: boolean;
  /** Epoch ms for `_lastUpdated=gt…` on an incremental run. */
  since: number | undefined;
  client: FhirClient;
  repos: {
    resources: ResourcesRepository;
    runs: SyncRunsRepository;
    binaries: BinariesRepository;
    connections: ConnectionRepository;
  };
  clock: Clock;
  log: Logger;
  limits: SyncLimits;
  sleep: (ms: number) => Promise<void>;
  progress: SyncProgress;
  onProgress: ((progress: SyncProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  /** The worker's job lease, checked inside every page commit; undefined outside jobs. */
  fence?: Fence;
  /** Run-level warnings (refused origins, reference and attachment problems); capped. */
  warnings: string[];
  /** When care happened, from this run's encounters and reports: where windowed searches cut. */
  timeline: CareTimeline;
  /** Chains of pages started so far in this run: each one's place in line (page-priority.ts). */
  chainsStarted: number;
}

const MAX_RUN_WARNINGS = 200;

export function addWarning(ctx: SyncContext, warning: string): void {
  if (ctx.warnings.length < MAX_RUN_WARNINGS && !ctx.warnings.includes(warning)) ctx.warnings.push(warning);
}

export function reportProgress(ctx: SyncContext, change: Partial<SyncProgress>): void {
  Object.assign(ctx.progress, change);
  ctx.onProgress?.({ ...ctx.progress });
}
