import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import type { Database } from '../../store/schema.ts';
import { readCoverageDrops, type CoverageJson } from './coverage-drops.ts';

/** One resource of the record, as `{resourceType, id}`. */
export interface RecordKey {
  resourceType: string;
  id: string;
}

/** How much of one patient's expected record chartbridge kept, and how much of the rest it owned up to. */
export interface RecordFidelity {
  expected: number;
  stored: number;
  /** Missing resources that coverage counts as dropped with a reason, per type (never more than went missing). */
  explained: number;
  /** expected − stored − explained: resources lost without a word. */
  silentLoss: number;
  /** Per type: expected, stored, explained, and `flagged` — missing where coverage names a reason but no count. */
  byType: Record<string, TypeFidelity>;
}

export interface TypeFidelity {
  expected: number;
  stored: number;
  explained: number;
  flagged: number;
}

/**
 * Compares the expected record with chartbridge's store for one connection (resources table; a Binary counts when
 * its bytes are stored with status `ok`, under its id or under any key, as attachments at other paths are) and
 * explains the missing ones with the connection's coverage report, type by type, so one type's dropped count
 * never explains another type's loss.
 */
export async function measureRecord(input: {
  db: Kysely<Database>;
  connectionId: string;
  expected: RecordKey[];
  coverage: CoverageJson;
  /** The bytes the EHR holds for a Binary (undefined: unknown, then only its id can match). */
  binaryBytes(id: string): Buffer | undefined;
}): Promise<RecordFidelity> {
  const storedKeys = await findStoredKeys(input);
  const drops = readCoverageDrops(input.coverage, new Set(input.expected.map((key) => key.resourceType)));
  const byType: Record<string, TypeFidelity> = {};
  for (const key of input.expected) {
    const entry = (byType[key.resourceType] ??= { expected: 0, stored: 0, explained: 0, flagged: 0 });
    entry.expected += 1;
    if (storedKeys.has(`${key.resourceType}/${key.id}`)) entry.stored += 1;
  }
  for (const [type, entry] of Object.entries(byType)) {
    const missing = entry.expected - entry.stored;
    entry.explained = Math.min(missing, drops.counted.get(type) ?? 0);
    entry.flagged = drops.uncounted.has(type) ? missing - entry.explained : 0;
  }
  const totals = Object.values(byType).reduce(
    (sum, t) => ({
      expected: sum.expected + t.expected,
      stored: sum.stored + t.stored,
      explained: sum.explained + t.explained,
    }),
    { expected: 0, stored: 0, explained: 0 },
  );
  return { ...totals, silentLoss: totals.expected - totals.stored - totals.explained, byType };
}

async function findStoredKeys(input: {
  db: Kysely<Database>;
  connectionId: string;
  expected: RecordKey[];
  binaryBytes(id: string): Buffer | undefined;
}): Promise<Set<string>> {
  const resources = input.expected
    .filter((key) => key.resourceType !== 'Binary')
    .map((key) => ({ type: key.resourceType, id: key.id }));
  const stored = await createResourcesRepository(input.db).findStored(
    input.connectionId,
    undefined,
    resources,
  );
  // Read-only bookkeeping over the binaries table: which ids and which contents are stored whole.
  const rows = await input.db
    .selectFrom('binaries')
    .select(['binary_id', 'hash'])
    .where('connection_id', '=', input.connectionId)
    .where('status', '=', 'ok')
    .execute();
  const ids = new Set(rows.map((row) => row.binary_id));
  const hashes = new Set(rows.map((row) => row.hash));
  for (const key of input.expected.filter((k) => k.resourceType === 'Binary')) {
    const bytes = input.binaryBytes(key.id);
    const hash = bytes && createHash('sha256').update(bytes).digest('hex');
    if (ids.has(key.id) || (hash && hashes.has(hash))) stored.add(`Binary/${key.id}`);
  }
  return stored;
}
