import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, type Store } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createTestDatabase, testDialects } from '../testing/databases.ts';
import { bindingFor } from './token-sealer.ts';
import { resealStoredSecrets } from './reseal-secrets.ts';
import { createSealer, generateEncryptionKey, type Sealer } from '../crypto/sealer.ts';

async function insertConnection(
  store: Store,
  sealer: Sealer,
  id: string,
  tokens: { access: string; refresh: string },
) {
  await store.db
    .insertInto('connections')
    .values({
      id,
      user_id: 'user-1',
      endpoint_id: 'ep-1',
      fhir_base: 'https://ehr.example/api/FHIR/R4',
      issuer: 'https://ehr.example/oauth2',
      token_endpoint: 'https://ehr.example/oauth2/token',
      client_id: 'client',
      patient_id: 'patient',
      scope: 'patient/*.read',
      access_token_sealed: sealer.seal(tokens.access, bindingFor('connections', id, 'access_token_sealed')),
      refresh_token_sealed: sealer.seal(
        tokens.refresh,
        bindingFor('connections', id, 'refresh_token_sealed'),
      ),
      token_version: 7,
      refreshable: 1,
      status: 'active',
      created_at: 1,
      updated_at: 1,
    })
    .execute();
}

async function insertLaunch(store: Store, sealer: Sealer, id: string, verifier: string) {
  await store.db
    .insertInto('launches')
    .values({
      id,
      state_hash: `state-${id}`,
      browser_hash: 'browser',
      user_id: 'user-1',
      endpoint_id: 'ep-1',
      fhir_base: 'https://ehr.example/api/FHIR/R4',
      issuer: 'https://ehr.example/oauth2',
      authorization_endpoint: 'https://ehr.example/oauth2/authorize',
      token_endpoint: 'https://ehr.example/oauth2/token',
      client_id: 'client',
      redirect_uri: 'http://localhost/callback',
      scope: 'openid',
      code_verifier_sealed: sealer.seal(verifier, bindingFor('launches', id, 'code_verifier_sealed')),
      nonce: 'n',
      expires_at: 2,
      created_at: 1,
    } as never)
    .execute();
}

for (const dialect of testDialects) {
  test(`${dialect}: case 39 — key rotation re-seals every row; unreadable rows are counted, never touched`, async () => {
    const database = await createTestDatabase(dialect);
    const store = openStore(database.url);
    try {
      await migrateToLatest(store);
      await store.db
        .insertInto('users')
        .values({ id: 'user-1', created_at: 1 } as never)
        .execute();
      const [oldKey, newKey, strangerKey] = [
        generateEncryptionKey(),
        generateEncryptionKey(),
        generateEncryptionKey(),
      ];
      const oldSealer = createSealer(oldKey);
      await insertConnection(store, oldSealer, 'conn-a', { access: 'at-a', refresh: 'rt-a' });
      await insertConnection(store, createSealer(newKey), 'conn-b', { access: 'at-b', refresh: 'rt-b' });
      await insertConnection(store, createSealer(strangerKey), 'conn-c', { access: 'at-c', refresh: 'rt-c' });
      await insertLaunch(store, oldSealer, 'launch-1', 'verifier-1');
      const ring = createSealer(`${newKey},${oldKey}`);
      const progress: number[] = [];
      const report = await resealStoredSecrets({
        db: store.db,
        sealer: ring,
        onProgress: (r) => progress.push(r.checked),
      });
      assert.deepEqual(report, { checked: 7, resealed: 3, unreadable: 2 });
      // One report per sealed column: connections (2), launches, pending_revocations (empty here).
      assert.deepEqual(progress, [3, 6, 7, 7]);
      // The new key alone now opens everything that was readable; token_version is untouched.
      const newOnly = createSealer(newKey);
      const rows = await store.db.selectFrom('connections').selectAll().orderBy('id').execute();
      const open = (id: string, column: 'access_token_sealed' | 'refresh_token_sealed') =>
        newOnly.unseal(rows.find((r) => r.id === id)![column]!, bindingFor('connections', id, column));
      assert.deepEqual(
        [
          open('conn-a', 'access_token_sealed'),
          open('conn-a', 'refresh_token_sealed'),
          open('conn-b', 'refresh_token_sealed'),
        ],
        ['at-a', 'rt-a', 'rt-b'],
      );
      assert.deepEqual(
        rows.map((r) => Number(r.token_version)),
        [7, 7, 7],
      );
      const launch = await store.db.selectFrom('launches').selectAll().executeTakeFirstOrThrow();
      assert.equal(
        newOnly.unseal(
          launch.code_verifier_sealed,
          bindingFor('launches', 'launch-1', 'code_verifier_sealed'),
        ),
        'verifier-1',
      );
      const stranger = rows.find((r) => r.id === 'conn-c')!;
      assert.equal(
        createSealer(strangerKey).unseal(
          stranger.refresh_token_sealed!,
          bindingFor('connections', 'conn-c', 'refresh_token_sealed'),
        ),
        'rt-c',
      );
      // A second run finds nothing left to do.
      assert.deepEqual(await resealStoredSecrets({ db: store.db, sealer: ring }), {
        checked: 7,
        resealed: 0,
        unreadable: 2,
      });
    } finally {
      await store.close();
      await database.drop();
    }
  });
}
