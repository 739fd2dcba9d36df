import type { PlannedQuery } from './query-plan.ts';
import type { SyncContext } from './sync-context.ts';

/**
 * Which of a run's waiting requests goes on the wire first (priority-limiter.ts). A run ends when its last chain
 * of pages does, so chains go ahead of one-page searches, which fill the gaps; among chains the one that started
 * first goes first, so up to five chains page at full speed instead of every chain crawling in turn. The care
 * timeline's search goes before everything: the Observation windows wait for it.
 */
const CLASS = { timeline: 3, chain: 2, firstPage: 1 };
const CLASS_WIDTH = 1_000_000;

/** A new chain's place in line: later chains wait behind earlier ones of the same class. */
export function startChain(ctx: SyncContext): number {
  ctx.chainsStarted += 1;
  return ctx.chainsStarted;
}

/** Page `pageNumber` (1-based) of `query`'s chain number `chain`. */
export function pagePriority(
  ctx: SyncContext,
  query: PlannedQuery,
  chain: number,
  pageNumber: number,
): number {
  if (ctx.timeline.watches(query.key)) return CLASS.timeline * CLASS_WIDTH - chain;
  // A windowable search's first page decides whether it is split at all, so it does not wait either.
  if (query.windowable || pageNumber > 1) return CLASS.chain * CLASS_WIDTH - chain;
  return CLASS.firstPage * CLASS_WIDTH - chain;
}

/** Every page of a date window: a chain from its first page. */
export function windowPriority(chain: number): number {
  return CLASS.chain * CLASS_WIDTH - chain;
}
