import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { RetriesExhaustedError, type FhirResponse } from '../fhir/fhir-client.ts';
import type { SyncQueryStateRow } from '../store/sync-runs-repository.ts';
import { commitPage } from './commit-page.ts';
import { addDrops, countDrops, parseDrops } from './drop-counts.ts';
import { pagePriority, startChain } from './page-priority.ts';
import type { PlannedQuery } from './query-plan.ts';
import { parsePageOffLoop } from './page-parser.ts';
import type { BundlePage } from './read-bundle-page.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';
import { describeUnavailable } from './unavailable-reason.ts';

const MAX_QUERY_WARNINGS = 50;
/** Errors that end one query but not the run: the rest of the sync continues (A8, A11, C32, C34). */
const QUERY_LOCAL_ERRORS = [
  'ERR_SIZE_LIMIT',
  'ERR_FHIR_RESPONSE_INVALID',
  'ERR_ORIGIN_MISMATCH',
  'ERR_PAGE_LIMIT',
  'ERR_TOO_SLOW',
];

export function createQueryState(ctx: SyncContext, query: PlannedQuery): SyncQueryStateRow {
  return {
    run_id: ctx.runId,
    query_key: query.key,
    resource_type: query.resourceType,
    category: query.category,
    status: 'pending',
    next_url: null,
    resources: 0,
    pages: 0,
    bytes: 0,
    http_status: null,
    reason: null,
    warnings: '[]',
    updated_at: ctx.clock.now(),
    dropped: 0,
    drop_reasons: '{}',
    unavailable: 0,
  };
}

export interface RunQueryOptions {
  /** Stop after this many pages, leaving the state `running` with its `next` link (a windowed query's probe). */
  maxPages?: number;
  /** Sees every page fetched, after its commit was queued. */
  onPage?: (page: BundlePage) => void;
}

/**
 * Runs one query from its checkpoint to the end, one committed page at a time. Resumes from the stored `next`
 * link; if that cursor expired (4xx), starts the query over — upserts are idempotent. Returns the final state.
 */
export async function runQuery(
  ctx: SyncContext,
  query: PlannedQuery,
  prior: SyncQueryStateRow,
  options: RunQueryOptions = {},
): Promise<SyncQueryStateRow> {
  let state = prior;
  let committing: Promise<void> = Promise.resolve();
  try {
    let url = state.next_url ?? startUrl(ctx, query);
    let resuming = state.next_url !== null;
    const seen = new Set<string>([url]);
    const chain = startChain(ctx);
    let fetchedPages = 0;
    for (;;) {
      throwIfInterrupted(ctx);
      const what = `the ${query.key} ${query.key === 'Patient' ? 'read' : 'search'}`;
      const priority = pagePriority(ctx, query, chain, state.pages + 1);
      const first = state.pages === 0 && !resuming;
      const fetched = await fetchPage(ctx, query, url, what, priority, first);
      if (fetched.kind === 'unavailable' && resuming) {
        state = {
          ...state,
          next_url: null,
          resources: 0,
          pages: 0,
          bytes: 0,
          dropped: 0,
          drop_reasons: '{}',
        };
        url = startUrl(ctx, query);
        resuming = false;
        continue;
      }
      if (fetched.kind === 'unavailable') return await finishUnavailable(ctx, state, fetched.response);
      resuming = false;
      fetchedPages += 1;
      const { page, bytes } = fetched;
      checkRunCap(ctx, query, page.resources.length);
      // A refused `next` link ends the query, but never the page in hand: it is stored first.
      let refusal: unknown;
      let next: string | undefined;
      try {
        next = checkNext(ctx, query, page.next, seen, state.pages + 1);
      } catch (error) {
        refusal = error;
      }
      state = advance(ctx, state, page, next, bytes);
      ctx.timeline.add(query.key, page.times);
      // The next request goes out while this page commits; commits stay in page order, so the checkpoint
      // never points past a page that is not stored.
      const snapshot = state;
      committing = committing.then(() => commitPage(ctx, page.resources, snapshot));
      committing.catch(() => undefined);
      options.onPage?.(page);
      reportProgress(ctx, {
        pages: ctx.progress.pages + 1,
        resources: ctx.progress.resources + page.resources.length,
      });
      if (refusal !== undefined) throw refusal;
      if (next === undefined || fetchedPages === options.maxPages) {
        await committing;
        return state;
      }
      url = next;
    }
  } catch (error) {
    await committing;
    return failQuery(ctx, query, state, error);
  }
}

/** Ends a query on an error that concerns it alone (A8, A11, C32, C34); anything else ends the run. */
export async function failQuery(
  ctx: SyncContext,
  query: PlannedQuery,
  state: SyncQueryStateRow,
  error: unknown,
): Promise<SyncQueryStateRow> {
  if (!QUERY_LOCAL_ERRORS.some((code) => isChartbridgeError(error, code as never))) throw error;
  const reason = (error as ChartbridgeError).message;
  addWarning(ctx, `${query.key}: ${reason}`);
  return finish(ctx, { ...state, status: 'failed', next_url: null, reason });
}

export function throwIfInterrupted(ctx: SyncContext): void {
  if (ctx.signal?.aborted) {
    throw new ChartbridgeError(
      'ERR_JOB_INTERRUPTED',
      'the sync was interrupted; it resumes from its checkpoint',
    );
  }
}

type FetchedPage =
  { kind: 'page'; page: BundlePage; bytes: number } | { kind: 'unavailable'; response: FhirResponse };

/**
 * One page: 4xx comes back as "unavailable"; a body that is not JSON or not a Bundle is fetched once more (a
 * truncated transfer looks exactly like that, and cursors may be retried) before it fails the query (A8). A
 * search whose FIRST page answers 5xx through every retry is a type the server lists but cannot search
 * (REAL-WORLD.md: MedicationStatement answering 500): "unavailable" too, so one such type never pauses the run;
 * a later page that keeps failing still pauses it, to resume from its checkpoint.
 */
export async function fetchPage(
  ctx: SyncContext,
  query: PlannedQuery,
  url: string,
  what: string,
  priority: number,
  firstPage = false,
): Promise<FetchedPage> {
  for (let attempt = 1; ; attempt += 1) {
    let response: FhirResponse;
    try {
      response = await ctx.client.get(url, { what, priority });
    } catch (error) {
      const status = error instanceof RetriesExhaustedError ? error.lastStatus : undefined;
      if (!firstPage || status === undefined || status < 500) throw error;
      return { kind: 'unavailable', response: answeredWith(status, url) };
    }
    if (response.status >= 400) return { kind: 'unavailable', response };
    // A large body moves to the parser thread and is empty here afterwards: count it first.
    const bytes = response.body.length;
    try {
      const page = await parsePageOffLoop({
        body: response.body,
        limits: ctx.limits.json,
        what,
        ...(query.key === 'Patient' ? { singleType: 'Patient' } : {}),
      });
      return { kind: 'page', page, bytes };
    } catch (error) {
      if (attempt >= 2 || !isChartbridgeError(error, 'ERR_FHIR_RESPONSE_INVALID')) throw error;
    }
  }
}

/** The server's last answer, for describeUnavailable: its status alone (the body went with the retries). */
function answeredWith(status: number, url: string): FhirResponse {
  return { status, url, contentType: '', retryAfter: null, body: Buffer.alloc(0) };
}

function startUrl(ctx: SyncContext, query: PlannedQuery): string {
  if (ctx.full || ctx.since === undefined || !query.incremental) return query.path;
  return `${query.path}&_lastUpdated=gt${new Date(ctx.since).toISOString()}`;
}

/** Ends the query (not the run's other work) when this page would take the run past its resource cap. */
export function checkRunCap(ctx: SyncContext, query: PlannedQuery, incoming: number): void {
  const cap = ctx.limits.maxResourcesPerRun;
  if (ctx.progress.resources + incoming <= cap) return;
  throw new ChartbridgeError(
    'ERR_SIZE_LIMIT',
    `the run reached its cap of ${cap} resources; the rest of the ${query.key} search was skipped`,
  );
}

/** Validates the `next` link: same base (else refused, C32), not seen before (loop), within the page cap. */
export function checkNext(
  ctx: SyncContext,
  query: PlannedQuery,
  next: string | undefined,
  seen: Set<string>,
  pages: number,
): string | undefined {
  if (next === undefined) return undefined;
  const url = ctx.client.guard.resolve(next);
  if (!ctx.client.guard.isUnderBase(url)) {
    ctx.client.guard.requireUnderBase(next, `the ${query.key} next link`);
  }
  if (seen.has(url.href)) {
    addWarning(ctx, `${query.key}: the server repeated a next link; paging stopped there`);
    return undefined;
  }
  if (pages >= ctx.limits.maxPagesPerQuery) {
    throw new ChartbridgeError(
      'ERR_PAGE_LIMIT',
      `the ${query.key} search passed the cap of ${ctx.limits.maxPagesPerQuery} pages; the rest of it was skipped`,
    );
  }
  seen.add(url.href);
  return url.href;
}

function advance(
  ctx: SyncContext,
  state: SyncQueryStateRow,
  page: BundlePage,
  next: string | undefined,
  bytes: number,
): SyncQueryStateRow {
  const warnings = JSON.parse(state.warnings) as string[];
  for (const warning of page.warnings) {
    if (warnings.length < MAX_QUERY_WARNINGS && !warnings.includes(warning)) warnings.push(warning);
  }
  const drops = addDrops(parseDrops(state.drop_reasons), page.dropped);
  return {
    ...state,
    dropped: countDrops(drops),
    drop_reasons: JSON.stringify(drops),
    status: next === undefined ? 'done' : 'running',
    next_url: next ?? null,
    resources: state.resources + page.resources.length,
    pages: state.pages + 1,
    bytes: state.bytes + bytes,
    http_status: 200,
    warnings: JSON.stringify(warnings),
    updated_at: ctx.clock.now(),
  };
}

function finishUnavailable(
  ctx: SyncContext,
  state: SyncQueryStateRow,
  response: FhirResponse,
): Promise<SyncQueryStateRow> {
  const reason = describeUnavailable(response);
  return finish(ctx, { ...state, status: 'not_available', http_status: response.status, reason });
}

async function finish(ctx: SyncContext, state: SyncQueryStateRow): Promise<SyncQueryStateRow> {
  const final = { ...state, updated_at: ctx.clock.now() };
  await ctx.repos.runs.saveQueryState(final);
  return final;
}
