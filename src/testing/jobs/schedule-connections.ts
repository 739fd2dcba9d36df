import type { NewConnectionRow } from '../../store/connection-repository.ts';
import type { Store } from '../../store/database.ts';
import { createRepositories } from '../../store/repositories.ts';

/**
 * Inserts user `u1` and `count` connections `c-00`, `c-01`, … for the scheduler's tests: active, refreshable, synced
 * at `now`, their tokens expiring in an hour; `overrides(i)` changes any column of the i-th.
 */
export async function insertScheduleConnections(
  store: Store,
  now: number,
  count: number,
  overrides: (i: number) => Partial<NewConnectionRow> = () => ({}),
): Promise<void> {
  const repos = createRepositories(store.db);
  await store.db.insertInto('users').values({ id: 'u1', created_at: now }).execute();
  for (let i = 0; i < count; i += 1) {
    await repos.connections.insert({
      id: `c-${String(i).padStart(2, '0')}`,
      user_id: 'u1',
      endpoint_id: 'e1',
      fhir_base: 'https://ehr.example/fhir',
      issuer: 'https://ehr.example/fhir',
      token_endpoint: 'https://ehr.example/token',
      client_id: 'client',
      patient_id: `p${i}`,
      scope: 'patient/*.read',
      access_token_sealed: 'sealed',
      refresh_token_sealed: 'sealed',
      token_version: 1,
      access_expires_at: now + 3_600_000,
      persistent_access_ends_at: null,
      refreshable: 1,
      status: 'active',
      last_sync_at: now,
      created_at: now,
      updated_at: now,
      ...overrides(i),
    });
  }
}
