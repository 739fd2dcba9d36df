/** A count with its reason, as coverage lists them (largest first). */
export interface CoverageDropReason {
  reason: string;
  count: number;
}

/** A phase after the searches (references read one by one, attachments). */
export interface CoveragePhase {
  fetched?: number;
  dropped?: number;
  unavailable?: number;
  reasons?: CoverageDropReason[];
}

/** The parts of `GET /api/connections/:id/coverage` that account for missing resources. */
export interface CoverageJson {
  entries?: Array<{
    resourceType?: string;
    status?: string;
    reason?: string | null;
    dropped?: number;
    dropReasons?: CoverageDropReason[];
  }>;
  references?: CoveragePhase;
  attachments?: CoveragePhase;
  /** Everything the run received but did not store, all queries and phases together. */
  dropped?: number;
}

export interface CoverageDrops {
  /** Per type: resources counted as dropped with a reason. */
  counted: Map<string, number>;
  /** Types with a query that is not `received`/`none`/`dropped` and names a reason but gives no count. */
  uncounted: Set<string>;
}

const quietStatuses = new Set(['received', 'none', 'pending', 'dropped']);
/** `Observation entry with …`, `Practitioner reads refused …`: a reason that names its type first. */
const leadingType = /^([A-Z][A-Za-z]+)\b/;

/**
 * Reads what coverage owns up to, per type. Each counted reason is charged to the type it names first (one of
 * `types`), else to its query's type (attachments: Binary; a reference reason that names no type explains
 * nothing); a count without a reason explains nothing.
 */
export function readCoverageDrops(coverage: CoverageJson, types: ReadonlySet<string>): CoverageDrops {
  const counted = new Map<string, number>();
  const uncounted = new Set<string>();
  const charge = (reasons: CoverageDropReason[] | undefined, fallbackType: string | undefined) => {
    for (const { reason, count } of reasons ?? []) {
      const named = leadingType.exec(reason)?.[1];
      const type = named && types.has(named) ? named : fallbackType;
      if (type && count > 0) counted.set(type, (counted.get(type) ?? 0) + count);
    }
  };
  for (const entry of coverage.entries ?? []) {
    charge(entry.dropReasons, entry.resourceType);
    if (!quietStatuses.has(entry.status ?? '') && entry.reason) uncounted.add(entry.resourceType ?? '');
  }
  charge(coverage.references?.reasons, undefined);
  charge(coverage.attachments?.reasons, 'Binary');
  return { counted, uncounted };
}
