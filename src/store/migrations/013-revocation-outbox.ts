import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * The revocation outbox (case 28): a disconnect that cannot reach the EHR's revocation endpoint
 * keeps the token here, sealed and bound to its own row, so the worker retries until the EHR answers or the token's
 * lifetime ends. The endpoints are copied from the connection: a reconnect may replace them before the retry.
 * No foreign key: an erased connection's pending revocation must outlive its data.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('pending_revocations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('token_hint', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('token_endpoint', 'text', (c) => c.notNull())
    .addColumn('revocation_endpoint', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('gives_up_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pending_revocations_due')
    .on('pending_revocations')
    .column('next_attempt_at')
    .execute();
}
