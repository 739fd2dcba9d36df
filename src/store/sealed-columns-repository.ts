import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Every sealed column in the schema, by table. A new `_sealed` column must be added here to be re-sealed. */
export const sealedColumns = {
  connections: ['access_token_sealed', 'refresh_token_sealed'],
  launches: ['code_verifier_sealed'],
  pending_revocations: ['token_sealed'],
} as const;

export type SealedTable = keyof typeof sealedColumns;

export interface SealedValue {
  id: string;
  sealed: string;
}

/** A view of the database loose enough to walk any (table, sealed column) pair with one function. */
type SealedRowsDb = Kysely<Record<SealedTable, { id: string } & Record<string, string | null>>>;

/** The sealed values of any table and column, for re-sealing them under a new key (vault/reseal-secrets.ts). */
export function createSealedColumnsRepository(database: Kysely<Database>) {
  const db = database as unknown as SealedRowsDb;
  return {
    /** Up to `limit` non-null values of one column, in id order after `afterId`. */
    async listSealedValues(
      table: SealedTable,
      column: string,
      afterId: string,
      limit: number,
    ): Promise<SealedValue[]> {
      const rows = await db
        .selectFrom(table)
        .select(['id', column])
        .where(column, 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return (rows as unknown as Record<string, string>[]).map((row) => ({
        id: row.id!,
        sealed: row[column]!,
      }));
    },
    /**
     * Compare-and-swap on the old sealed value: writes `next` only while the column still holds `previous`, so a
     * refresh that stored new tokens meanwhile wins. Leaves `token_version` alone. True when written.
     */
    async replaceSealedValue(
      table: SealedTable,
      column: string,
      id: string,
      previous: string,
      next: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable(table)
        .set({ [column]: next })
        .where('id', '=', id)
        .where(column, '=', previous)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type SealedColumnsRepository = ReturnType<typeof createSealedColumnsRepository>;
