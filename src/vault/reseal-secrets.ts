import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { bindingFor } from './token-sealer.ts';
import type { Sealer } from '../crypto/sealer.ts';

/** Every sealed column in the schema, by table. A new `_sealed` column must be added here to be re-sealed. */
const sealedColumns = {
  connections: ['access_token_sealed', 'refresh_token_sealed'],
  launches: ['code_verifier_sealed'],
  pending_revocations: ['token_sealed'],
} as const;

type SealedTable = keyof typeof sealedColumns;

export interface ResealReport {
  /** Sealed values looked at. */
  checked: number;
  /** Values that were sealed with an older key of the ring and are now sealed with the current one. */
  resealed: number;
  /** Values no key of the ring opens: left untouched; the vault marks their connections `key_error` on use. */
  unreadable: number;
}

const batchSize = 200;

/**
 * After CHARTBRIDGE_ENCRYPTION_KEY gains a new first key (`new,old`), re-seals every stored secret with it so the
 * old key can be dropped (RELIABILITY.md case 39). Each write is a compare-and-swap on the old sealed value and
 * leaves `token_version` alone, so a refresh running at the same time always wins and is never undone.
 */
export async function resealStoredSecrets(deps: {
  db: Kysely<Database>;
  sealer: Sealer;
  onProgress?: (report: ResealReport) => void;
}): Promise<ResealReport> {
  const report: ResealReport = { checked: 0, resealed: 0, unreadable: 0 };
  for (const table of Object.keys(sealedColumns) as SealedTable[]) {
    for (const column of sealedColumns[table]) {
      await resealColumn(deps, table, column, report);
    }
  }
  return report;
}

/** A view of the database loose enough to walk any (table, sealed column) pair with one function. */
type SealedRowsDb = Kysely<Record<SealedTable, { id: string } & Record<string, string | null>>>;

async function resealColumn(
  deps: { db: Kysely<Database>; sealer: Sealer; onProgress?: (report: ResealReport) => void },
  table: SealedTable,
  column: string,
  report: ResealReport,
): Promise<void> {
  const db = deps.db as unknown as SealedRowsDb;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom(table)
      .select(['id', column])
      .where(column, 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    for (const row of rows as unknown as Record<string, string>[]) {
      await resealValue(db, deps.sealer, table, column, row.id!, row[column]!, report);
    }
    deps.onProgress?.({ ...report });
    if (rows.length < batchSize) return;
    after = (rows[rows.length - 1] as unknown as { id: string }).id;
  }
}

async function resealValue(
  db: SealedRowsDb,
  sealer: Sealer,
  table: SealedTable,
  column: string,
  id: string,
  sealed: string,
  report: ResealReport,
): Promise<void> {
  report.checked += 1;
  if (sealer.isSealedWithCurrentKey(sealed)) return;
  const binding = bindingFor(table, id, column);
  let plaintext: string;
  try {
    plaintext = sealer.unseal(sealed, binding);
  } catch {
    report.unreadable += 1;
    return;
  }
  const result = await db
    .updateTable(table)
    .set({ [column]: sealer.seal(plaintext, binding) })
    .where('id', '=', id)
    .where(column, '=', sealed)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) report.resealed += 1;
}
