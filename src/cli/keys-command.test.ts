import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createSealer, generateEncryptionKey } from '../crypto/sealer.ts';
import { createTempDir, ed25519Pem, publicPem, rsaPem } from '../testing/test-keys.ts';
import { openStore } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createTestDatabase } from '../testing/databases.ts';
import { bindingFor } from '../vault/token-sealer.ts';
import { runCli } from '../testing/run-cli.ts';

// Isolate every run from the developer's own key configuration.
const cleanEnv = { CHARTBRIDGE_KEYS_DIR: undefined, CHARTBRIDGE_PRIVATE_KEYS: undefined };

async function keys(args: string[], env: Record<string, string | undefined> = {}, cwd?: string) {
  return runCli(['keys', ...args], { env: { ...cleanEnv, ...env }, cwd });
}

test('keys generate, list, jwks, rotate and retire work end to end on a directory', async () => {
  const dir = path.join(await createTempDir(), 'keys');
  const generated = await keys(['generate', '--dir', dir]);
  assert.equal(generated.code, 0, generated.stderr);
  const kid = /generated RS384 key ([A-Za-z0-9_-]{43}) in /.exec(generated.stdout)?.[1];
  assert.ok(kid);

  const listed = await keys(['list', '--json', '--dir', dir]);
  assert.equal(listed.code, 0);
  const records = JSON.parse(listed.stdout) as { kid: string; alg: string; status: string }[];
  assert.deepEqual(
    records.map((r) => [r.kid, r.alg, r.status]),
    [[kid, 'RS384', 'active']],
  );

  const table = await keys(['list', '--dir', dir]);
  assert.match(table.stdout, new RegExp(`^KID +ALG +STATUS +CREATED\\n${kid} +RS384 +active +\\d{4}-`));

  const rotated = await keys(['rotate', '--dir', dir]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const newKid = /^key ([A-Za-z0-9_-]{43}) \(RS384\) now signs/.exec(rotated.stdout)?.[1];
  assert.ok(newKid);
  assert.match(rotated.stdout, /warning: the new key was not published ahead of time/);
  assert.match(
    rotated.stdout,
    new RegExp(`^after 5 minutes or more: chartbridge keys retire ${kid} --dir ${dir}$`, 'm'),
  );

  const jwks = await keys(['jwks', '--dir', dir]);
  assert.equal(jwks.code, 0, jwks.stderr);
  const set = JSON.parse(jwks.stdout) as { keys: Record<string, string>[] };
  assert.deepEqual(
    set.keys.map((k) => k.kid),
    [newKid, kid],
  );
  assert.equal(/"(d|p|q|dp|dq|qi)"/.test(jwks.stdout), false);

  const early = await keys(['retire', kid, '--dir', dir]);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /^chartbridge: key '.+' stopped signing less than 5 minutes ago/);
  const retired = await keys(['retire', kid, '--force', '--dir', dir]);
  assert.equal(retired.code, 0, retired.stderr);
  const after = JSON.parse((await keys(['jwks', '--dir', dir])).stdout) as { keys: { kid: string }[] };
  assert.deepEqual(
    after.keys.map((k) => k.kid),
    [newKid],
  );
});

test('keys generate without --dir uses CHARTBRIDGE_KEYS_DIR; keys jwks reads CHARTBRIDGE_PRIVATE_KEYS', async () => {
  const dir = path.join(await createTempDir(), 'from-env');
  const generated = await keys(['generate', '--alg', 'ES384'], { CHARTBRIDGE_KEYS_DIR: dir });
  assert.equal(generated.code, 0, generated.stderr);
  assert.equal((await readdir(dir)).filter((f) => f.endsWith('.pem')).length, 1);
  const fromPem = await keys(['jwks', '--rsa-only'], { CHARTBRIDGE_PRIVATE_KEYS: rsaPem() });
  assert.equal(fromPem.code, 0, fromPem.stderr);
  assert.deepEqual(
    (JSON.parse(fromPem.stdout) as { keys: { kty: string }[] }).keys.map((k) => k.kty),
    ['RSA'],
  );
});

test('case 12 through the CLI: unusable keys exit 1 with one line saying the fix', async () => {
  const pemFix =
    'provide an unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----), e.g. from chartbridge keys generate';
  const cases: [string, string][] = [
    [
      rsaPem(1024),
      'key #1 in CHARTBRIDGE_PRIVATE_KEYS is a 1024-bit RSA key: use RSA of at least 2048 bits (chartbridge keys generate)',
    ],
    [
      ed25519Pem(),
      'key #1 in CHARTBRIDGE_PRIVATE_KEYS has unsupported type ed25519: use RSA (2048 bits or more) or EC P-256/P-384 (chartbridge keys generate)',
    ],
    [
      publicPem(),
      `key #1 in CHARTBRIDGE_PRIVATE_KEYS is a public key or certificate, not a private key: ${pemFix}`,
    ],
  ];
  for (const [pem, message] of cases) {
    const result = await keys(['jwks'], { CHARTBRIDGE_PRIVATE_KEYS: pem });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `chartbridge: ${message}\n`);
    assert.equal(result.stdout, '');
  }
  const dir = await createTempDir();
  await keys(['generate', '--dir', dir]);
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.pem'));
  const keyFile = path.join(dir, file!);
  await chmod(keyFile, 0o644);
  const open = await keys(['jwks', '--dir', dir]);
  assert.equal(open.code, 1);
  assert.equal(
    open.stderr,
    `chartbridge: key file '${keyFile}' is readable by group or others (mode 0644): run chmod 600 '${keyFile}'\n`,
  );
});

test('case 14: usage errors exit 2 and write nothing', async () => {
  const root = await createTempDir();
  const dir = path.join(root, 'keys');
  const usage: string[][] = [
    ['generate', '--alg', 'HS256', '--dir', dir],
    ['generate', '--bits', '4096', '--dir', dir],
    ['generate', 'extra', '--dir', dir],
    ['generate', '--dir'],
    ['retire', '--dir', dir],
    ['rotate', '--alg', 'RS1024', '--dir', dir],
    ['list', '--yaml', '--dir', dir],
    ['unknown-subcommand'],
  ];
  for (const args of usage) {
    const result = await keys(args, {}, root);
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code} ${result.stderr}`);
    assert.match(result.stderr, /^error: /, args.join(' '));
  }
  assert.deepEqual(await readdir(root), []);
  // Changing keys while they come from the environment needs an explicit directory.
  const envOnly = await keys(['rotate'], { CHARTBRIDGE_PRIVATE_KEYS: rsaPem() }, root);
  assert.equal(envOnly.code, 2);
  assert.equal(
    envOnly.stderr,
    'chartbridge: keys rotate changes a keys directory but keys come from CHARTBRIDGE_PRIVATE_KEYS: pass --dir <dir>\n',
  );
  assert.equal(existsSync(path.join(root, 'data')), false);
});

test('a failed rotate (another command holds the lock) changes nothing', async () => {
  const dir = await createTempDir();
  await keys(['generate', '--dir', dir]);
  const before = await readFile(path.join(dir, 'keys.json'), 'utf8');
  await writeFile(path.join(dir, '.keys.lock'), '');
  const result = await keys(['rotate', '--dir', dir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^chartbridge: another keys command is running on /);
  assert.equal(await readFile(path.join(dir, 'keys.json'), 'utf8'), before);
  assert.equal((await readdir(dir)).filter((f) => f.endsWith('.pem')).length, 1);
});

test('keys commands have --help (commander gives every one)', async () => {
  for (const sub of ['generate', 'retire']) {
    const result = await keys([sub, '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`^Usage: chartbridge keys ${sub} `));
  }
});

test('keys reseal re-seals stored tokens with the new first key and reports unreadable ones', async () => {
  const database = await createTestDatabase('sqlite');
  const store = openStore(database.url);
  const [oldKey, newKey] = [generateEncryptionKey(), generateEncryptionKey()];
  try {
    await migrateToLatest(store);
    await store.db.insertInto('users').values({ id: 'u1', created_at: 1 }).execute();
    const binding = bindingFor('connections', 'c1', 'refresh_token_sealed');
    await store.db
      .insertInto('connections')
      .values({
        ...{ id: 'c1', user_id: 'u1', endpoint_id: 'e', fhir_base: 'https://x/R4', issuer: 'https://x' },
        ...{
          token_endpoint: 'https://x/token',
          client_id: 'c',
          patient_id: 'p',
          scope: 's',
          status: 'active',
        },
        refresh_token_sealed: createSealer(oldKey).seal('rt-1', binding),
        created_at: 1,
        updated_at: 1,
      } as never)
      .execute();
    const env = { CHARTBRIDGE_DATABASE_URL: database.url, CHARTBRIDGE_ENCRYPTION_KEY: `${newKey},${oldKey}` };
    const result = await keys(['reseal'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 're-sealed 1 of 1 sealed values; 0 unreadable\n');
    const row = await store.db.selectFrom('connections').selectAll().executeTakeFirstOrThrow();
    assert.equal(createSealer(newKey).unseal(row.refresh_token_sealed!, binding), 'rt-1');
    const malformed = await keys(['reseal'], { ...env, CHARTBRIDGE_ENCRYPTION_KEY: 'c2hvcnQ=' });
    assert.equal(malformed.code, 2, 'a malformed key is bad input');
    assert.equal(
      malformed.stderr,
      'chartbridge: CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: set it to 32 random bytes in base64 or base64url (openssl rand -base64 32)\n',
    );
    const lost = await keys(['reseal'], { ...env, CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey() });
    // A key that opens none of the stored tokens is refused before anything is re-sealed (bad configuration).
    assert.equal(lost.code, 2);
    assert.match(lost.stderr, /^chartbridge: CHARTBRIDGE_ENCRYPTION_KEY opens none of the stored tokens: /);
  } finally {
    await store.close();
    await database.drop();
  }
});
