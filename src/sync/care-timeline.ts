/**
 * When the patient's care happened, read from the record as it arrives. Laboratory results and vital signs are
 * taken at encounters and reported in diagnostic reports, so the dates of those two searches tell where the long
 * Observation searches are dense: date windows cut at their quantiles hold about equal numbers of results, and
 * equal windows page in parallel without one long chain at the end (windowed-query.ts).
 */
export interface CareTimeline {
  /** The searches whose dates make up the timeline; it is ready once each has settled. */
  watch(queryKeys: string[]): void;
  /** Whether `queryKey` is one of the watched searches. */
  watches(queryKey: string): boolean;
  /** Records the clinical times of one page of `queryKey` (other keys are ignored). */
  add(queryKey: string, times: number[]): void;
  /** `queryKey` ended (finished, unavailable or failed). */
  settle(queryKey: string): void;
  /** The collected times once every watched search has settled. */
  readonly ready: Promise<number[]>;
}

/**
 * The searches a timeline may come from, best first: reports (a lab panel is reported in one, so their dates
 * follow the results closely, and they page fewer than encounters), else encounters.
 */
export const TIMELINE_QUERY_KEYS = ['DiagnosticReport', 'Encounter'];

export function createCareTimeline(): CareTimeline {
  const watched = new Set<string>();
  const pending = new Set<string>();
  const times: number[] = [];
  let resolve!: (times: number[]) => void;
  const ready = new Promise<number[]>((r) => (resolve = r));
  const resolveIfSettled = () => {
    if (pending.size === 0) resolve(times);
  };
  return {
    watch(queryKeys) {
      for (const key of queryKeys) {
        watched.add(key);
        pending.add(key);
      }
      resolveIfSettled();
    },
    watches: (queryKey) => watched.has(queryKey),
    add(queryKey, pageTimes) {
      if (pending.has(queryKey)) times.push(...pageTimes);
    },
    settle(queryKey) {
      pending.delete(queryKey);
      resolveIfSettled();
    },
    ready,
  };
}

/** Where each type keeps the date its care happened (the `date` search parameter's meaning). */
const TIME_FIELDS: Record<string, string[]> = {
  Encounter: ['period'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod', 'issued'],
  Observation: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'],
};

/** The start of a resource's clinical time, when its type is one this module reads and it has one. */
export function readCareTime(resource: unknown): number | undefined {
  const record = resource as Record<string, unknown>;
  for (const field of TIME_FIELDS[record.resourceType as string] ?? []) {
    const value = record[field];
    const text = typeof value === 'object' && value !== null ? (value as { start?: unknown }).start : value;
    const at = typeof text === 'string' ? Date.parse(text) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}

/**
 * `count − 1` cut points at the quantiles of `times` (ascending, distinct): windows between them hold about
 * equal shares of the timeline. Empty when there are too few times to say anything.
 */
export function cutAtQuantiles(times: number[], count: number): number[] {
  if (times.length < MIN_TIMES || count < 2) return [];
  const sorted = [...times].sort((a, b) => a - b);
  const cuts = new Set<number>();
  for (let i = 1; i < count; i += 1) cuts.add(sorted[Math.floor((i * sorted.length) / count)]!);
  cuts.delete(sorted[0]!);
  return [...cuts].sort((a, b) => a - b);
}

const MIN_TIMES = 20;

/** Pages each window should hold: short enough to page in parallel, long enough not to waste partial pages. */
const TARGET_WINDOW_PAGES = 10;
const MAX_WINDOWS = 32;

/**
 * How many windows a search needs, judged from its first page. Servers commonly return a search oldest or
 * newest first; when the first page is in date order, the share of the timeline it spans tells how many pages
 * the whole search has, and the windows hold about TARGET_WINDOW_PAGES each. A first page in no order says
 * nothing, so the count follows the timeline's size (about one window per 32 care events).
 */
export function windowCountFor(timeline: number[], firstPage: number[]): number {
  const clamp = (count: number) => Math.min(MAX_WINDOWS, Math.max(2, count));
  const share = spannedShare(timeline, firstPage);
  if (share === undefined) return clamp(Math.round(timeline.length / 32));
  const estimatedPages = 1 / Math.max(share, 1 / timeline.length);
  return clamp(Math.ceil(estimatedPages / TARGET_WINDOW_PAGES));
}

/** The share of the timeline at or before (ascending page) or at or after (descending page) the page's end. */
function spannedShare(timeline: number[], page: number[]): number | undefined {
  if (page.length < 2 || timeline.length === 0) return undefined;
  const ascending = page.every((t, i) => i === 0 || t >= page[i - 1]!);
  const descending = page.every((t, i) => i === 0 || t <= page[i - 1]!);
  if (ascending === descending) return undefined;
  const end = page.at(-1)!;
  const inside = timeline.filter((t) => (ascending ? t <= end : t >= end)).length;
  return inside / timeline.length;
}
