import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Whether an endpoint is a provider's EHR or a payer's (or an HIE's) patient access API: payers often answer only
 * `Patient/{id}/$everything`, so their sync asks for it first (`directory add --kind payer`).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('endpoints')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('provider'))
    .execute();
}
