/**
 * Counts of what a query received but did not store, by reason (issue 13: no silent loss). Stored as a JSON
 * object in `sync_query_states.drop_reasons`; reasons are a few fixed words (never ids, urls or patient data),
 * so the object stays small however many entries a server spoils.
 */
export type DropCounts = Record<string, number>;

/** Most distinct reasons kept per query; the rest are counted under one catch-all reason. */
const MAX_REASONS = 20;
const OTHER = 'other reasons';

export function addDrops(into: DropCounts, from: DropCounts): DropCounts {
  for (const [reason, count] of Object.entries(from)) {
    if (count <= 0) continue;
    const key = reason in into || Object.keys(into).length < MAX_REASONS ? reason : OTHER;
    into[key] = (into[key] ?? 0) + count;
  }
  return into;
}

export function countDrops(drops: DropCounts): number {
  return Object.values(drops).reduce((total, count) => total + count, 0);
}

export function parseDrops(json: string | null | undefined): DropCounts {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const drops: DropCounts = {};
    for (const [reason, count] of Object.entries(value))
      if (typeof count === 'number' && count > 0) drops[reason] = count;
    return drops;
  } catch {
    return {};
  }
}

/** Largest count first: how reports list reasons. */
export function listDrops(drops: DropCounts): Array<{ reason: string; count: number }> {
  return Object.entries(drops)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** `12 dropped: 10 Observation entry with …; 2 …` — one line for warnings, summaries and webhooks. */
export function describeDrops(drops: DropCounts): string {
  const total = countDrops(drops);
  const parts = listDrops(drops).map(({ reason, count }) => `${count} ${reason}`);
  return `${total} dropped: ${parts.join('; ')}`;
}
