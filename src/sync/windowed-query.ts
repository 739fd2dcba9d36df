import { ChartbridgeError } from '../errors.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { commitPage } from './commit-page.ts';
import type { PlannedQuery } from './query-plan.ts';
import { checkNext, failQuery, fetchPage, runQuery, throwIfInterrupted } from './run-query.ts';
import { reportProgress, type SyncContext } from './sync-context.ts';

const DAY_MS = 86_400_000;
const EARLIEST = Date.UTC(1900, 0, 1);
const MAX_DEPTH = 1;

interface Window {
  lo: number | undefined;
  hi: number | undefined;
}

interface Tally {
  ids: Set<string>;
  pages: number;
  bytes: number;
}

/**
 * A long search split into parallel `date` windows (Epic searches accept date ranges): a chain of 44 `next`
 * links costs 44 round trips in a row; eight windows of about six cost six. The windows partition time
 * completely (`ge lo`, `lt hi`, open-ended at both ends), cut over the patient's life (birth date from the
 * Patient read). If the server rejects the date parameter, the query runs unwindowed instead. A killed
 * windowed query restarts from scratch (upserts are idempotent).
 */
export async function runWindowedQuery(
  ctx: SyncContext,
  query: PlannedQuery,
  prior: SyncQueryStateRow,
  birth: Promise<number | undefined>,
): Promise<SyncQueryStateRow> {
  const tally: Tally = { ids: new Set(), pages: 0, bytes: 0 };
  const windows = planWindows((await birth) ?? EARLIEST, ctx.clock.now() + DAY_MS);
  // Every window settles before the query's outcome is decided, so none keeps running behind a failure.
  const results = await Promise.allSettled(windows.map((window) => runWindow(ctx, query, window, tally, 0)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as unknown;
  if (failure instanceof WindowRejected) return runQuery(ctx, query, { ...prior, next_url: null });
  if (failure !== undefined) return failQuery(ctx, query, prior, failure);
  const state: SyncQueryStateRow = {
    ...prior,
    status: 'done',
    next_url: null,
    resources: tally.ids.size,
    pages: tally.pages,
    bytes: tally.bytes,
    http_status: 200,
    updated_at: ctx.clock.now(),
  };
  await ctx.repos.runs.saveQueryState(state);
  return state;
}

/**
 * Fractions of the patient's life where windows end: records grow denser with age (more encounters, more
 * labs), so recent windows are shorter. Windows whose first page says there is more are halved once more.
 */
const CUTS = [0.5, 0.7, 0.8, 0.87, 0.92, 0.95, 0.975];

/** (−∞, start), spans up to `end` cut at CUTS, [end, ∞). */
export function planWindows(start: number, end: number): Window[] {
  const from = Math.min(Math.max(start, EARLIEST), end - DAY_MS);
  const points = [from, ...CUTS.map((cut) => Math.floor(from + cut * (end - from))), end];
  const inner = points.slice(1).map((hi, i) => ({ lo: points[i]!, hi }));
  return [{ lo: undefined, hi: from }, ...inner, { lo: end, hi: undefined }];
}

class WindowRejected extends Error {}

/** A window whose first page says there is more is halved (up to MAX_DEPTH times): dense years page in parallel. */
async function runWindow(
  ctx: SyncContext,
  query: PlannedQuery,
  window: Window,
  tally: Tally,
  depth: number,
): Promise<void> {
  const first = `${query.path}${dateParams(window)}`;
  let url = first;
  const seen = new Set<string>([url]);
  const what = `the ${query.key} search`;
  for (;;) {
    throwIfInterrupted(ctx);
    const fetched = await fetchPage(ctx, query, url, what);
    if (fetched.kind === 'unavailable') throw new WindowRejected();
    await commitPage(ctx, fetched.page.resources, undefined);
    for (const r of fetched.page.resources) tally.ids.add(r.id);
    tally.pages += 1;
    tally.bytes += fetched.bytes;
    reportProgress(ctx, {
      pages: ctx.progress.pages + 1,
      resources: ctx.progress.resources + fetched.page.resources.length,
    });
    const next = checkNext(ctx, query, fetched.page.next, seen, tally.pages);
    if (next === undefined) return;
    if (
      url === first &&
      depth < MAX_DEPTH &&
      window.lo !== undefined &&
      window.hi !== undefined &&
      window.hi - window.lo > 2 * DAY_MS
    ) {
      const mid = window.lo + Math.floor((window.hi - window.lo) / 2);
      const halves = [
        { lo: window.lo, hi: mid },
        { lo: mid, hi: window.hi },
      ];
      await Promise.all(halves.map((half) => runWindow(ctx, query, half, tally, depth + 1)));
      return;
    }
    url = next;
  }
}

function dateParams(window: Window): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lo = window.lo === undefined ? '' : `&date=ge${encodeURIComponent(iso(window.lo))}`;
  const hi = window.hi === undefined ? '' : `&date=lt${encodeURIComponent(iso(window.hi))}`;
  if (!lo && !hi) throw new ChartbridgeError('ERR_INVALID_INPUT', 'a date window needs a bound');
  return `${lo}${hi}`;
}
