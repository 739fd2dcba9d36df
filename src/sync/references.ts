import { isChartbridgeError } from '../errors.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import type { ResourceCursor } from '../store/resources-repository.ts';
import { commitPage } from './commit-page.ts';
import { isSafeFhirId } from '../fhir/fhir-id.ts';
import { prepareResource } from './prepare-resource.ts';
import { runPool } from './run-pool.ts';
import { scanRunResources, walkObjects } from './scan-run-resources.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';
import { describeUnavailable } from './unavailable-reason.ts';

/** Resources read by reference (EPIC.md §5): searched by nobody, so chased from what the record points at. */
export const REFERENCE_TYPES = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'RelatedPerson',
];
const MAX_ROUNDS = 3;

export interface ReferenceOutcome {
  fetched: number;
  unavailable: number;
}

/**
 * Reads every referenced Practitioner, PractitionerRole, Organization, Location, Medication and RelatedPerson once
 * per run (in rounds, since a PractitionerRole points at more), and every referenced resource of `alsoRead` (a
 * searched type, e.g. an Encounter of another facility) that no search brought. Reads may be refused (403, code 4118) even when searches succeed: those are
 * counted as unavailable, never a failure. Only relative or same-base references count. `searchedTypes`
 * undefined: any type was asked for (`$everything`).
 */
export async function chaseReferences(
  ctx: SyncContext,
  searchedTypes: string[] | undefined,
  alsoRead: string[] = [],
): Promise<ReferenceOutcome> {
  const outcome: ReferenceOutcome = { fetched: 0, unavailable: 0 };
  const attempted = new Set<string>();
  const chased = new Set([...REFERENCE_TYPES, ...alsoRead]);
  let scanTypes: string[] | undefined = searchedTypes;
  // The searches are over once this phase starts, before the stored record is scanned for references.
  reportProgress(ctx, { phase: 'references' });
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const wanted = await collectReferences(ctx, scanTypes, attempted, chased);
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
): Promise<ResourceCursor[]> {
  const found = new Map<string, ResourceCursor>();
  await scanRunResources(ctx, types, (resource) =>
    walkObjects(resource, (object) => {
      const key = parseReference(ctx, object.reference, chased);
      if (key && !attempted.has(`${key.type}/${key.id}`)) found.set(`${key.type}/${key.id}`, key);
    }),
  );
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

function parseReference(
  ctx: SyncContext,
  reference: unknown,
  chased: Set<string>,
): ResourceCursor | undefined {
  if (typeof reference !== 'string' || reference.length > 2048 || reference.startsWith('#')) return undefined;
  let path = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const url = ctx.client.guard.resolve(reference);
    if (!ctx.client.guard.isUnderBase(url)) return undefined;
    path = url.pathname.slice(new URL(ctx.client.guard.base).pathname.length + 1);
  }
  const [type, id, ...rest] = path.split('/');
  if (rest.length > 0 || !type || !id || !chased.has(type) || !isSafeFhirId(id)) return undefined;
  return { type, id };
}

async function readReference(
  ctx: SyncContext,
  key: ResourceCursor,
  outcome: ReferenceOutcome,
): Promise<void> {
  const what = `the ${key.type} read`;
  try {
    const response = await ctx.client.get(`${key.type}/${key.id}`, { what });
    if (response.status >= 400) {
      outcome.unavailable += 1;
      addWarning(ctx, `${key.type} reads: ${describeUnavailable(response)}`);
      return;
    }
    const prepared = prepareResource(parseJsonCapped(response.body, ctx.limits.json, what));
    if (!prepared.ok || prepared.record.resourceType !== key.type || prepared.record.id !== key.id) {
      outcome.unavailable += 1;
      addWarning(ctx, `${key.type} reads: the server answered with a different or invalid resource`);
      return;
    }
    await commitPage(ctx, [prepared.record], undefined);
    outcome.fetched += 1;
    reportProgress(ctx, { resources: ctx.progress.resources + 1 });
  } catch (error) {
    if (
      !isChartbridgeError(error) ||
      !['ERR_SIZE_LIMIT', 'ERR_FHIR_RESPONSE_INVALID', 'ERR_ORIGIN_MISMATCH'].includes(error.code)
    )
      throw error;
    outcome.unavailable += 1;
    addWarning(ctx, `${key.type} reads: ${error.message}`);
  }
}
