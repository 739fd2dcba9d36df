import type { Kysely, Selectable } from 'kysely';
import { assertLeaseHeld, type Fence } from './jobs-leases.ts';
import type { BinaryTable, Database } from './schema.ts';

export type BinaryRow = Selectable<BinaryTable>;

export interface BinaryDownload {
  contentType: string;
  status: BinaryRow['status'];
  size: number;
  data: Buffer | null;
}

export interface BinariesRepository {
  /** Stored ids (any status) among these, so one run fetches each attachment once. */
  findKnown(connectionId: string, binaryIds: string[]): Promise<Set<string>>;
  /** Stores an attachment; bytes identical to an already stored one (same hash) are kept once. */
  /** With the sync's fence, the write lands only while that sync still holds its lease (an erase voids it). */
  save(row: BinaryRow, fence?: Fence): Promise<void>;
  findForDownload(connectionId: string, binaryId: string): Promise<BinaryDownload | undefined>;
}

export function createBinariesRepository(db: Kysely<Database>): BinariesRepository {
  return {
    async findKnown(connectionId, binaryIds) {
      if (binaryIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('binaries')
        .select('binary_id')
        .where('connection_id', '=', connectionId)
        .where('binary_id', 'in', binaryIds)
        .where('status', 'in', ['ok', 'corrupt', 'too_large'])
        .execute();
      return new Set(rows.map((row) => row.binary_id));
    },
    async save(row, fence) {
      await db.transaction().execute(async (trx) => {
        if (fence) await assertLeaseHeld(trx, fence);
        let data = row.data;
        if (data && row.status === 'ok') {
          const twin = await trx
            .selectFrom('binaries')
            .select('binary_id')
            .where('connection_id', '=', row.connection_id)
            .where('hash', '=', row.hash)
            .where('binary_id', '<>', row.binary_id)
            .where('data', 'is not', null)
            .executeTakeFirst();
          if (twin) data = null;
        }
        const { connection_id: _c, binary_id: _b, ...rest } = { ...row, data };
        await trx
          .insertInto('binaries')
          .values({ ...row, data })
          .onConflict((oc) => oc.columns(['connection_id', 'binary_id']).doUpdateSet(rest))
          .execute();
      });
    },
    async findForDownload(connectionId, binaryId) {
      const row = await db
        .selectFrom('binaries')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('binary_id', '=', binaryId)
        .executeTakeFirst();
      if (!row) return undefined;
      let data = row.data;
      if (data === null && row.status === 'ok') {
        const twin = await db
          .selectFrom('binaries')
          .select('data')
          .where('connection_id', '=', connectionId)
          .where('hash', '=', row.hash)
          .where('data', 'is not', null)
          .executeTakeFirst();
        data = twin?.data ?? null;
      }
      return { contentType: row.content_type, status: row.status, size: Number(row.size), data };
    },
  };
}
