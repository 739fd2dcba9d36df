import { ChartbridgeError } from '../errors.ts';
import { readCareTime } from './care-timeline.ts';
import type { DropCounts } from './drop-counts.ts';
import { keepNewestPerKey, prepareResource } from './prepare-resource.ts';
import type { ResourceRecord } from '../store/resources-repository.ts';

export interface BundlePage {
  resources: ResourceRecord[];
  warnings: string[];
  /** The opaque `next` link exactly as sent, if any. */
  next: string | undefined;
  /** When the page's encounters and reports happened (care-timeline.ts); empty for other types. */
  times: number[];
  /**
   * Entries received but not stored, by reason. With `resources` (before duplicates collapse) and
   * `outcomes` it accounts for every entry of the page: entries = stored + duplicates + outcomes + dropped.
   */
  dropped: DropCounts;
  /** Entries that were the server's OperationOutcome (search.mode `outcome`), not part of the record. */
  outcomes: number;
}

const MAX_WARNINGS_PER_PAGE = 20;

/**
 * Splits a search page into storable resources and warnings (docs/epic-facts.md §5, case 8): OperationOutcome
 * entries become warnings, entries without a valid resource are counted as dropped with their reason (never
 * skipped in silence), duplicates keep the newest version. A body that is not a Bundle throws ERR_FHIR_RESPONSE_INVALID (an OperationOutcome in its
 * place is quoted).
 */
export function readBundlePage(json: unknown, what: string): BundlePage {
  const bundle = json as { resourceType?: unknown; entry?: unknown; link?: unknown };
  if (typeof json !== 'object' || json === null || bundle.resourceType !== 'Bundle') {
    const words = bundle?.resourceType === 'OperationOutcome' ? `: ${describeOutcome(json).join('; ')}` : '';
    throw new ChartbridgeError('ERR_FHIR_RESPONSE_INVALID', `${what} did not return a bundle${words}`);
  }
  const warnings: string[] = [];
  const records: ResourceRecord[] = [];
  const times: number[] = [];
  const dropped: DropCounts = {};
  let outcomes = 0;
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const resource = (entry as { resource?: unknown } | null)?.resource;
    if ((resource as { resourceType?: unknown } | undefined)?.resourceType === 'OperationOutcome') {
      warnings.push(...describeOutcome(resource));
      outcomes += 1;
      continue;
    }
    const prepared = prepareResource(resource);
    if (!prepared.ok) {
      dropped[prepared.reason] = (dropped[prepared.reason] ?? 0) + 1;
      continue;
    }
    records.push(prepared.record);
    const at = readCareTime(resource);
    if (at !== undefined) times.push(at);
  }
  return {
    resources: keepNewestPerKey(records),
    warnings: warnings.slice(0, MAX_WARNINGS_PER_PAGE),
    next: findNext(bundle.link),
    times,
    dropped,
    outcomes,
  };
}

function findNext(link: unknown): string | undefined {
  if (!Array.isArray(link)) return undefined;
  const next = link.find((l) => (l as { relation?: unknown })?.relation === 'next') as
    { url?: unknown } | undefined;
  return typeof next?.url === 'string' && next.url.length > 0 && next.url.length <= 4096
    ? next.url
    : undefined;
}

/** `<severity> <code>: <text>` per issue, text clipped; Epic codes come from details.coding. */
export function describeOutcome(outcome: unknown): string[] {
  const issues = (outcome as { issue?: unknown })?.issue;
  if (!Array.isArray(issues)) return [];
  return issues.slice(0, MAX_WARNINGS_PER_PAGE).map((issue) => {
    const i = issue as {
      severity?: unknown;
      code?: unknown;
      diagnostics?: unknown;
      details?: { text?: unknown; coding?: Array<{ code?: unknown; display?: unknown }> };
    };
    const coding = Array.isArray(i.details?.coding) ? i.details.coding[0] : undefined;
    const code = text(coding?.code) ?? text(i.code) ?? 'issue';
    const words = text(i.details?.text) ?? text(coding?.display) ?? text(i.diagnostics) ?? '';
    return `${text(i.severity) ?? 'warning'} ${code}${words ? `: ${words}` : ''}`;
  });
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // Control characters would let a hostile server forge log lines or break terminals.
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
