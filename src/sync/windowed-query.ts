import { ChartbridgeError } from '../errors.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { cutAtQuantiles, windowCountFor } from './care-timeline.ts';
import { commitPage } from './commit-page.ts';
import { addDrops, countDrops, parseDrops, type DropCounts } from './drop-counts.ts';
import { startChain, windowPriority } from './page-priority.ts';
import type { PlannedQuery } from './query-plan.ts';
import { checkNext, checkRunCap, failQuery, fetchPage, runQuery, throwIfInterrupted } from './run-query.ts';
import { reportProgress, type SyncContext } from './sync-context.ts';

/** A span of time, open-ended where a bound is missing: `date=ge{lo}&date=lt{hi}`. */
export interface DateWindow {
  lo: number | undefined;
  hi: number | undefined;
  /** The share of the care timeline inside it (0–1): the fuller windows page first. */
  share: number;
}

interface Tally {
  ids: Set<string>;
  pages: number;
  bytes: number;
  drops: DropCounts;
}

/**
 * A long search split into parallel `date` windows (Epic searches accept date ranges): a chain of 44 `next`
 * links costs 44 round trips in a row; eight windows of about six cost six. The first page is fetched as usual;
 * only when it says there is more is the search split, at the quantiles of the care timeline (encounters and
 * reports, care-timeline.ts) so the windows hold about equal shares. The windows partition all of time, so
 * nothing dated is missed. Without a timeline, or when the server rejects `date`, the search follows its own
 * `next` links instead. A killed windowed query resumes by windowing again (upserts are idempotent).
 */
export async function runWindowedQuery(
  ctx: SyncContext,
  query: PlannedQuery,
  prior: SyncQueryStateRow,
): Promise<SyncQueryStateRow> {
  const tally: Tally = { ids: new Set(), pages: 0, bytes: 0, drops: {} };
  let firstPage: number[] = [];
  const probe =
    prior.next_url === null
      ? await runQuery(ctx, query, prior, {
          maxPages: 1,
          onPage: (page) => {
            page.resources.forEach((r) => tally.ids.add(r.id));
            firstPage = page.times;
          },
        })
      : prior;
  if (probe.status !== 'running') return probe;
  const windows = planWindows(await ctx.timeline.ready, firstPage);
  if (windows.length === 0) return runQuery(ctx, query, probe);
  // Every window settles before the query's outcome is decided, so none keeps running behind a failure.
  const results = await Promise.allSettled(windows.map((window) => runWindow(ctx, query, window, tally)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as unknown;
  if (failure instanceof WindowRejected) return runQuery(ctx, query, probe);
  if (failure !== undefined) return failQuery(ctx, query, probe, failure);
  const drops = addDrops(parseDrops(probe.drop_reasons), tally.drops);
  const state: SyncQueryStateRow = {
    ...probe,
    dropped: countDrops(drops),
    drop_reasons: JSON.stringify(drops),
    status: 'done',
    next_url: null,
    resources: tally.ids.size,
    pages: probe.pages + tally.pages,
    bytes: probe.bytes + tally.bytes,
    updated_at: ctx.clock.now(),
  };
  await ctx.repos.runs.saveQueryState(state);
  return state;
}

/**
 * Windows cut at the timeline's quantiles, as many as the search's first page suggests (windowCountFor), fullest
 * first; none when the timeline is too thin to cut.
 */
export function planWindows(times: number[], firstPage: number[]): DateWindow[] {
  const cuts = cutAtQuantiles(times, windowCountFor(times, firstPage));
  if (cuts.length === 0) return [];
  const bounds = [undefined, ...cuts, undefined];
  const windows = bounds.slice(1).map((hi, i) => {
    const lo = bounds[i];
    const inside = times.filter((t) => (lo === undefined || t >= lo) && (hi === undefined || t < hi));
    return { lo, hi, share: inside.length / times.length };
  });
  return windows.sort((a, b) => b.share - a.share);
}

class WindowRejected extends Error {}

/** Follows one window's chain of pages to its end, committing each page. */
async function runWindow(
  ctx: SyncContext,
  query: PlannedQuery,
  window: DateWindow,
  tally: Tally,
): Promise<void> {
  let url = `${query.path}${dateParams(window)}`;
  const seen = new Set<string>([url]);
  const priority = windowPriority(startChain(ctx));
  const what = `the ${query.key} search`;
  for (let pages = 1; ; pages += 1) {
    throwIfInterrupted(ctx);
    const fetched = await fetchPage(ctx, query, url, what, priority);
    if (fetched.kind === 'unavailable') throw new WindowRejected();
    checkRunCap(ctx, query, fetched.page.resources.length);
    await commitPage(ctx, fetched.page.resources, undefined);
    for (const r of fetched.page.resources) tally.ids.add(r.id);
    tally.pages += 1;
    tally.bytes += fetched.bytes;
    addDrops(tally.drops, fetched.page.dropped);
    reportProgress(ctx, {
      pages: ctx.progress.pages + 1,
      resources: ctx.progress.resources + fetched.page.resources.length,
    });
    const next = checkNext(ctx, query, fetched.page.next, seen, pages);
    if (next === undefined) return;
    url = next;
  }
}

function dateParams(window: DateWindow): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lo = window.lo === undefined ? '' : `&date=ge${encodeURIComponent(iso(window.lo))}`;
  const hi = window.hi === undefined ? '' : `&date=lt${encodeURIComponent(iso(window.hi))}`;
  if (!lo && !hi) throw new ChartbridgeError('ERR_INVALID_INPUT', 'a date window needs a bound');
  return `${lo}${hi}`;
}
