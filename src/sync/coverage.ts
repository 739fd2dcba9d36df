import type { ResourcesRepository } from '../store/resources-repository.ts';
import type { SyncQueryStateRow, SyncRunsRepository } from '../store/sync-runs-repository.ts';
import { listDrops, parseDrops } from './drop-counts.ts';
import { ATTACHMENTS_KEY, REFERENCES_KEY } from './execute-run.ts';
import { isReplaced } from './follow-up-queries.ts';
import { isNotShared } from './grant-filter.ts';

export type CoverageStatus =
  | 'received'
  | 'none'
  | 'not_granted'
  /** Asked for, and the patient left it out at consent (a partial or granular SMART v2 grant). */
  | 'not_shared'
  | 'refused'
  | 'unsupported'
  | 'rejected'
  | 'not_available'
  | 'failed'
  | 'dropped'
  | 'pending';

export interface DropReason {
  reason: string;
  count: number;
}

export interface CoverageEntry {
  key: string;
  resourceType: string;
  category: string | null;
  status: CoverageStatus;
  /** Resources this query brought in the reported run. */
  resources: number;
  /** Why none arrived, in the server's words when it gave any. */
  reason: string | null;
  /** Entries the server sent that were not stored (status `dropped` when any), with why. */
  dropped: number;
  dropReasons: DropReason[];
}

/** The phases after the searches: referenced resources read one by one, and attachments. */
export interface PhaseCoverage {
  fetched: number;
  /** Received but not stored (corrupt, refused by our rules). */
  dropped: number;
  /** The server did not deliver them (403, 404, 5xx): for references, not counted as our loss. */
  unavailable: number;
  reasons: DropReason[];
}

export interface CoverageReport {
  connectionId: string;
  runId: string | null;
  runStatus: string | null;
  runFinishedAt: string | null;
  entries: CoverageEntry[];
  /** Resources stored now, per type (references and all). */
  storedByType: Record<string, number>;
  /** Everything the reported run received but did not store, all entries and phases together. */
  dropped: number;
  references: PhaseCoverage;
  attachments: PhaseCoverage;
}

/**
 * "Where is the rest of my record?": per USCDI v3 type and category of the newest full run, how many arrived or
 * why none did — not shared by the patient (asked, unticked at consent), not granted, refused (403), unsupported (404), rejected (400, with the server's words) — and
 * what arrived but was dropped, with counts and reasons (issue 13: nothing is lost in silence).
 */
export async function buildCoverageReport(
  repos: { runs: SyncRunsRepository; resources: ResourcesRepository },
  connectionId: string,
): Promise<CoverageReport> {
  const runs = await repos.runs.listRuns(connectionId, 50);
  const run = runs.find((r) => r.full === 1 && r.status !== 'running') ?? runs[0];
  const states = run ? await repos.runs.listQueryStates(run.id) : [];
  const keys = new Set(states.map((s) => s.query_key));
  const stored = await repos.resources.countByType(connectionId);
  const phase = (key: string) => toPhase(states.find((s) => s.query_key === key));
  return {
    connectionId,
    runId: run?.id ?? null,
    runStatus: run?.status ?? null,
    runFinishedAt: run?.finished_at ? new Date(run.finished_at).toISOString() : null,
    // A search the server rejected for want of a category shows as the category searches that replaced it.
    entries: states.filter((s) => !s.query_key.startsWith('~') && !isReplaced(s, keys)).map(toEntry),
    storedByType: Object.fromEntries(stored),
    dropped: states.reduce((total, s) => total + Number(s.dropped), 0),
    references: phase(REFERENCES_KEY),
    attachments: phase(ATTACHMENTS_KEY),
  };
}

function toEntry(state: SyncQueryStateRow): CoverageEntry {
  const resources = Number(state.resources);
  const dropped = Number(state.dropped);
  const none = state.status === 'done' && resources === 0 && dropped === 0;
  return {
    key: state.query_key,
    resourceType: state.resource_type,
    category: state.category,
    status: classify(state, resources, dropped),
    resources,
    reason: none ? 'the server returned none' : state.reason,
    dropped,
    dropReasons: listDrops(parseDrops(state.drop_reasons)),
  };
}

function toPhase(state: SyncQueryStateRow | undefined): PhaseCoverage {
  if (!state) return { fetched: 0, dropped: 0, unavailable: 0, reasons: [] };
  return {
    fetched: Number(state.resources),
    dropped: Number(state.dropped),
    unavailable: Number(state.unavailable),
    reasons: listDrops(parseDrops(state.drop_reasons)),
  };
}

function classify(state: SyncQueryStateRow, resources: number, dropped: number): CoverageStatus {
  if (dropped > 0 && (state.status === 'done' || state.status === 'failed')) return 'dropped';
  switch (state.status) {
    case 'done':
      return resources > 0 ? 'received' : 'none';
    case 'not_granted':
      return isNotShared(state.reason) ? 'not_shared' : 'not_granted';
    case 'failed':
      return 'failed';
    case 'not_available':
      if (state.http_status === 403) return 'refused';
      if (state.http_status === 404) return 'unsupported';
      if (state.http_status === 400) return 'rejected';
      return 'not_available';
    default:
      return 'pending';
  }
}
