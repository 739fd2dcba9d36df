import type { Kysely } from 'kysely';
import { createBinariesRepository } from '../../store/binaries-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import type { Database } from '../../store/schema.ts';
import type { RecordKey } from './expected-record.ts';
import { readCoverageDrops, type CoverageJson } from './coverage-drops.ts';

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
 * Compares the expected record with chartbridge's store for one connection (resources table; Binary in the
 * binaries table with status `ok`) and explains the missing ones with the connection's coverage report, type by
 * type, so one type's dropped count never explains another type's loss.
 */
export async function measureRecord(input: {
  db: Kysely<Database>;
  connectionId: string;
  expected: RecordKey[];
  coverage: CoverageJson;
}): Promise<RecordFidelity> {
  const storedKeys = await findStoredKeys(input.db, input.connectionId, input.expected);
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

async function findStoredKeys(
  db: Kysely<Database>,
  connectionId: string,
  expected: RecordKey[],
): Promise<Set<string>> {
  const resources = expected
    .filter((key) => key.resourceType !== 'Binary')
    .map((key) => ({ type: key.resourceType, id: key.id }));
  const stored = await createResourcesRepository(db).findStored(connectionId, undefined, resources);
  const binaries = createBinariesRepository(db);
  for (const key of expected.filter((k) => k.resourceType === 'Binary')) {
    const download = await binaries.findForDownload(connectionId, key.id);
    if (download?.status === 'ok') stored.add(`Binary/${key.id}`);
  }
  return stored;
}
