import type { ResourceCursor } from '../store/resources-repository.ts';
import type { SyncContext } from './sync-context.ts';

const SCAN_BATCH = 500;

/**
 * Visits, in bounded batches, the resources of the given types that this run stored or confirmed, parsed.
 * Memory stays bounded by the batch size whatever the record's size (D46).
 */
export async function scanRunResources(
  ctx: SyncContext,
  /** Undefined: every type (after `$everything`, which brings any). */
  types: string[] | undefined,
  visit: (resource: Record<string, unknown>) => void,
): Promise<void> {
  let after: ResourceCursor | undefined;
  for (;;) {
    const rows = await ctx.repos.resources.list(ctx.connectionId, {
      ...(types ? { types } : {}),
      runId: ctx.runId,
      after,
      limit: SCAN_BATCH,
    });
    for (const row of rows) visit(JSON.parse(row.json) as Record<string, unknown>);
    if (rows.length < SCAN_BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { type: last.resource_type, id: last.resource_id };
  }
}

/** Calls `visit` for every object in a parsed resource (the JSON was depth-capped when it arrived). */
export function walkObjects(value: unknown, visit: (object: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkObjects(item, visit);
  } else if (typeof value === 'object' && value !== null) {
    visit(value as Record<string, unknown>);
    for (const child of Object.values(value))
      if (typeof child === 'object' && child !== null) walkObjects(child, visit);
  }
}
