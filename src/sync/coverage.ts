import type { ResourcesRepository } from '../store/resources-repository.ts';
import type { SyncQueryStateRow, SyncRunsRepository } from '../store/sync-runs-repository.ts';
import { isReplaced } from './follow-up-queries.ts';

export type CoverageStatus =
  | 'received'
  | 'none'
  | 'not_granted'
  | 'refused'
  | 'unsupported'
  | 'rejected'
  | 'not_available'
  | 'failed'
  | 'pending';

export interface CoverageEntry {
  key: string;
  resourceType: string;
  category: string | null;
  status: CoverageStatus;
  /** Resources this query brought in the reported run. */
  resources: number;
  /** Why none arrived, in the server's words when it gave any. */
  reason: string | null;
}

export interface CoverageReport {
  connectionId: string;
  runId: string | null;
  runStatus: string | null;
  runFinishedAt: string | null;
  entries: CoverageEntry[];
  /** Resources stored now, per type (references and all). */
  storedByType: Record<string, number>;
}

/**
 * "Where is the rest of my record?": per USCDI v3 type and category of the newest full run, how many arrived or
 * why none did — not granted, refused (403), unsupported (404), rejected (400, with the server's words).
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
  return {
    connectionId,
    runId: run?.id ?? null,
    runStatus: run?.status ?? null,
    runFinishedAt: run?.finished_at ? new Date(run.finished_at).toISOString() : null,
    // A search the server rejected for want of a category shows as the category searches that replaced it.
    entries: states.filter((s) => !s.query_key.startsWith('~') && !isReplaced(s, keys)).map(toEntry),
    storedByType: Object.fromEntries(stored),
  };
}

function toEntry(state: SyncQueryStateRow): CoverageEntry {
  const resources = Number(state.resources);
  return {
    key: state.query_key,
    resourceType: state.resource_type,
    category: state.category,
    status: classify(state, resources),
    resources,
    reason: state.status === 'done' && resources === 0 ? 'the server returned none' : state.reason,
  };
}

function classify(state: SyncQueryStateRow, resources: number): CoverageStatus {
  switch (state.status) {
    case 'done':
      return resources > 0 ? 'received' : 'none';
    case 'not_granted':
      return 'not_granted';
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
