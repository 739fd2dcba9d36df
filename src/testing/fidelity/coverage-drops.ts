/** The parts of `GET /api/connections/:id/coverage` that account for missing resources. */
export interface CoverageJson {
  entries?: Array<{
    resourceType?: string;
    status?: string;
    reason?: string | null;
    dropped?: number;
    dropReasons?: unknown;
  }>;
  /** Attachments that were wanted but not stored, with why (flaky-attachments, outside the FHIR base, …). */
  attachments?: Record<string, unknown> | null;
}

export interface CoverageDrops {
  /** Per type: resources counted as dropped with a reason. */
  counted: Map<string, number>;
  /** Types with a query that is not `received`/`none` and names a reason but gives no count. */
  uncounted: Set<string>;
}

/** Attachment summary fields that count attachments not stored (every other field is informational). */
const attachmentLossFields = ['dropped', 'failed', 'unavailable', 'corrupt', 'tooLarge', 'outsideBase'];
const quietStatuses = new Set(['received', 'none', 'pending']);

/** Reads what coverage owns up to, per type; a count without a reason explains nothing. */
export function readCoverageDrops(coverage: CoverageJson): CoverageDrops {
  const counted = new Map<string, number>();
  const uncounted = new Set<string>();
  const add = (type: string, n: number) => counted.set(type, (counted.get(type) ?? 0) + n);
  for (const entry of coverage.entries ?? []) {
    const type = entry.resourceType ?? '';
    const dropped = typeof entry.dropped === 'number' ? entry.dropped : 0;
    if (dropped > 0 && hasReason(entry)) add(type, dropped);
    else if (!quietStatuses.has(entry.status ?? '') && entry.reason) uncounted.add(type);
  }
  const attachments = coverage.attachments ?? {};
  const lost = attachmentLossFields.reduce((sum, field) => sum + countOf(attachments[field]), 0);
  if (lost > 0) add('Binary', lost);
  return { counted, uncounted };
}

function hasReason(entry: { reason?: string | null; dropReasons?: unknown }): boolean {
  const reasons = entry.dropReasons;
  if (Array.isArray(reasons)) return reasons.length > 0;
  if (reasons && typeof reasons === 'object') return Object.keys(reasons).length > 0;
  return Boolean(entry.reason);
}

/** A count field: a number, or `{count}`/an array (a list of failures with their reasons). */
function countOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length;
  if (value && typeof value === 'object' && typeof (value as { count?: unknown }).count === 'number')
    return (value as { count: number }).count;
  return 0;
}
