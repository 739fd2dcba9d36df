import type { Kysely } from 'kysely';
import type { Sealer } from '../crypto/sealer.ts';
import type { Database } from '../store/schema.ts';
import {
  createSealedColumnsRepository,
  sealedColumns,
  type SealedColumnsRepository,
  type SealedTable,
} from '../store/sealed-columns-repository.ts';
import { bindingFor } from './token-sealer.ts';

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
 * old key can be dropped (case 39). Each write is a compare-and-swap on the old sealed value and leaves
 * `token_version` alone, so a refresh running at the same time always wins and is never undone.
 */
export async function resealStoredSecrets(deps: {
  db: Kysely<Database>;
  sealer: Sealer;
  onProgress?: (report: ResealReport) => void;
}): Promise<ResealReport> {
  const report: ResealReport = { checked: 0, resealed: 0, unreadable: 0 };
  const repository = createSealedColumnsRepository(deps.db);
  for (const table of Object.keys(sealedColumns) as SealedTable[]) {
    for (const column of sealedColumns[table]) {
      let after = '';
      for (;;) {
        const values = await repository.listSealedValues(table, column, after, batchSize);
        for (const { id, sealed } of values) {
          await resealValue({ repository, sealer: deps.sealer, report }, { table, column, id, sealed });
        }
        deps.onProgress?.({ ...report });
        if (values.length < batchSize) break;
        after = values[values.length - 1]!.id;
      }
    }
  }
  return report;
}

async function resealValue(
  deps: { repository: SealedColumnsRepository; sealer: Sealer; report: ResealReport },
  value: { table: SealedTable; column: string; id: string; sealed: string },
): Promise<void> {
  const { sealer, report } = deps;
  report.checked += 1;
  if (sealer.isSealedWithCurrentKey(value.sealed)) return;
  const binding = bindingFor(value.table, value.id, value.column);
  let plaintext: string;
  try {
    plaintext = sealer.unseal(value.sealed, binding);
  } catch {
    report.unreadable += 1;
    return;
  }
  const next = sealer.seal(plaintext, binding);
  if (await deps.repository.replaceSealedValue(value.table, value.column, value.id, value.sealed, next)) {
    report.resealed += 1;
  }
}
