import { isChartbridgeError } from '../errors.ts';
import { RetriesExhaustedError } from '../fhir/fhir-client.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import type { ResourceCursor } from '../store/resources-repository.ts';
import { commitPage } from './commit-page.ts';
import { describeUnsafeId, isSafeFhirId } from '../fhir/fhir-id.ts';
import { addDrops, type DropCounts } from './drop-counts.ts';
import { prepareResource } from './prepare-resource.ts';
import { runPool } from './run-pool.ts';
import { scanRunResources, walkObjects } from './scan-run-resources.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';
import { describeUnavailable } from './unavailable-reason.ts';

/** Resources read by reference (docs/epic-facts.md §5): searched by nobody, so chased from what the record points at. */
export const REFERENCE_TYPES = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'RelatedPerson',
];
const MAX_ROUNDS = 3;
/** Reads of one type that kept failing (5xx after retries) before the rest of that type is not asked. */
const FAILING_READS_CUTOFF = 3;
/** Fixed words per refusal, so drop reasons never carry a server's text or a url. */
const REFUSALS: Record<string, string> = {
  ERR_SIZE_LIMIT: 'over the size cap',
  ERR_FHIR_RESPONSE_INVALID: 'not valid json',
  ERR_ORIGIN_MISMATCH: 'outside the fhir base',
};

export interface ReferenceOutcome {
  fetched: number;
  /** Reads the server refused (403/404/5xx): reported, not our loss. */
  unavailable: number;
  /** References we could not follow or answers we could not store, by reason. */
  dropped: DropCounts;
  /** Reads per type that kept failing with 5xx in this run. */
  failing?: Map<string, number>;
}

/**
 * Reads every referenced Practitioner, PractitionerRole, Organization, Location, Medication and RelatedPerson once
 * per run (in rounds, since a PractitionerRole points at more), and every referenced resource of `alsoRead` (a
 * searched type, e.g. an Encounter of another facility) that no search brought. Reads may be refused (403,
 * code 4118) even when searches succeed: those are counted as unavailable, never a failure. Only relative or same-base references count. `searchedTypes`
 * undefined: any type was asked for (`$everything`).
 */
export async function chaseReferences(
  ctx: SyncContext,
  searchedTypes: string[] | undefined,
  alsoRead: string[] = [],
): Promise<ReferenceOutcome> {
  const outcome: ReferenceOutcome = { fetched: 0, unavailable: 0, dropped: {} };
  const attempted = new Set<string>();
  const chased = new Set([...REFERENCE_TYPES, ...alsoRead]);
  let scanTypes: string[] | undefined = searchedTypes;
  // The searches are over once this phase starts, before the stored record is scanned for references.
  reportProgress(ctx, { phase: 'references' });
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const wanted = await collectReferences(ctx, scanTypes, attempted, chased, outcome);
    if (wanted.length === 0) break;
    await runPool(wanted, ctx.limits.queryConcurrency, (key) => readReference(ctx, key, outcome));
    scanTypes = [...chased];
  }
  return outcome;
}

async function collectReferences(
  ctx: SyncContext,
  types: string[] | undefined,
  attempted: Set<string>,
  chased: Set<string>,
  outcome: ReferenceOutcome,
): Promise<ResourceCursor[]> {
  const found = new Map<string, ResourceCursor>();
  const unsafe = new Map<string, string>();
  await scanRunResources(ctx, types, (resource) =>
    walkObjects(resource, (object) => {
      const key = parseReference(ctx, object.reference, chased);
      if (key === undefined) return;
      const name = `${key.type}/${key.id}`;
      if ('unsafe' in key) unsafe.set(name, `${key.type} reference with ${describeUnsafeId(key.id)}`);
      else if (!attempted.has(name)) found.set(name, key);
    }),
  );
  for (const [name, reason] of unsafe) {
    if (attempted.has(name)) continue;
    attempted.add(name);
    addDrops(outcome.dropped, { [reason]: 1 });
  }
  const candidates = [...found.values()];
  const stored = await ctx.repos.resources.findStored(
    ctx.connectionId,
    ctx.full ? ctx.runId : undefined,
    candidates,
  );
  const wanted = candidates.filter((key) => !stored.has(`${key.type}/${key.id}`));
  for (const key of candidates) attempted.add(`${key.type}/${key.id}`);
  return wanted;
}

/** A same-base reference to a type we read; `unsafe` when its id could escape a path (counted, never read). */
function parseReference(
  ctx: SyncContext,
  reference: unknown,
  chased: Set<string>,
): ResourceCursor | (ResourceCursor & { unsafe: true }) | undefined {
  if (typeof reference !== 'string' || reference.length > 2048 || reference.startsWith('#')) return undefined;
  let path = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const url = ctx.client.guard.resolve(reference);
    if (!ctx.client.guard.isUnderBase(url)) return undefined;
    path = url.pathname.slice(new URL(ctx.client.guard.base).pathname.length + 1);
  }
  const [type, id, ...rest] = path.split('/');
  if (!type || !chased.has(type) || id === undefined) return undefined;
  // `Type/id/_history/n` is a versioned reference: the resource itself is what we read.
  const versioned = rest.length === 2 && rest[0] === '_history';
  if (rest.length > 0 && !versioned) return { type, id: rest.join('/'), unsafe: true };
  if (!isSafeFhirId(id)) return { type, id, unsafe: true };
  return { type, id };
}

async function readReference(
  ctx: SyncContext,
  key: ResourceCursor,
  outcome: ReferenceOutcome,
): Promise<void> {
  const what = `the ${key.type} read`;
  // Payers' reads of shared Practitioners/Organizations often answer 500 every time (REAL-WORLD.md): after a
  // few such reads, the rest of that type is counted unavailable without asking; the next sync tries again.
  if ((outcome.failing?.get(key.type) ?? 0) >= FAILING_READS_CUTOFF) {
    outcome.unavailable += 1;
    return;
  }
  try {
    const response = await ctx.client.get(`${key.type}/${key.id}`, { what });
    if (response.status >= 400) {
      outcome.unavailable += 1;
      addWarning(ctx, `${key.type} reads: ${describeUnavailable(response)}`);
      return;
    }
    const prepared = prepareResource(parseJsonCapped(response.body, ctx.limits.json, what));
    if (!prepared.ok || prepared.record.resourceType !== key.type || prepared.record.id !== key.id) {
      addDrops(outcome.dropped, { [`${key.type} reads answered with a different or invalid resource`]: 1 });
      return;
    }
    await commitPage(ctx, [prepared.record], undefined);
    outcome.fetched += 1;
    reportProgress(ctx, { resources: ctx.progress.resources + 1 });
  } catch (error) {
    // A read that answers 5xx through every retry is the server's failure (payers' Practitioner reads do):
    // not available, like a 403, never a reason to pause the whole run.
    if (error instanceof RetriesExhaustedError && (error.lastStatus ?? 0) >= 500) {
      outcome.unavailable += 1;
      outcome.failing ??= new Map();
      outcome.failing.set(key.type, (outcome.failing.get(key.type) ?? 0) + 1);
      addWarning(ctx, `${key.type} reads: not available (http ${error.lastStatus})`);
      return;
    }
    if (
      !isChartbridgeError(error) ||
      !['ERR_SIZE_LIMIT', 'ERR_FHIR_RESPONSE_INVALID', 'ERR_ORIGIN_MISMATCH'].includes(error.code)
    )
      throw error;
    addDrops(outcome.dropped, { [`${key.type} reads refused by chartbridge: ${REFUSALS[error.code]}`]: 1 });
    addWarning(ctx, `${key.type} reads: ${error.message}`);
  }
}
