import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isChartbridgeError } from '../errors.ts';
import { createSealer, generateEncryptionKey } from './sealer.ts';

const rowA = 'connections/conn-a/refresh_token_sealed';
const rowB = 'connections/conn-b/refresh_token_sealed';

function throwsSeal(fn: () => unknown, message: string): void {
  assert.throws(fn, (e) => isChartbridgeError(e, 'ERR_SEAL_INVALID') && e.message === message);
}

function throwsKey(value: string | undefined, message: string): void {
  assert.throws(
    () => createSealer(value),
    (e) => isChartbridgeError(e, 'ERR_ENCRYPTION_KEY_INVALID') && e.message === message,
  );
}

test('seal then unseal returns the plaintext; every seal uses a fresh IV', () => {
  const sealer = createSealer(generateEncryptionKey());
  const secret = 'rt-ünïcödé-🔑-' + 'x'.repeat(3000);
  const first = sealer.seal(secret, rowA);
  const second = sealer.seal(secret, rowA);
  assert.notEqual(first, second);
  assert.match(first, /^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  assert.equal(first.includes(secret.slice(0, 8)), false);
  assert.equal(sealer.unseal(first, rowA), secret);
  assert.equal(sealer.unseal(second, rowA), secret);
  assert.equal(sealer.unseal(sealer.seal('', rowA), rowA), '');
});

test('case 39: a ciphertext swapped to another row or column fails to open', () => {
  const sealer = createSealer(generateEncryptionKey());
  const sealedA = sealer.seal('token-of-a', rowA);
  const sealedB = sealer.seal('token-of-b', rowB);
  const failure = (binding: string) =>
    `cannot unseal '${binding}': authentication failed (the value was altered or belongs to another row or column)`;
  throwsSeal(() => sealer.unseal(sealedA, rowB), failure(rowB));
  throwsSeal(() => sealer.unseal(sealedB, rowA), failure(rowA));
  const otherColumn = 'connections/conn-a/access_token_sealed';
  throwsSeal(() => sealer.unseal(sealedA, otherColumn), failure(otherColumn));
});

test('tampered ciphertext, IV or tag fails authentication', () => {
  const sealer = createSealer(generateEncryptionKey());
  const sealed = sealer.seal('secret-refresh-token', rowA);
  const [version, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
  const flip = (text: string, at: number) => {
    const bytes = Buffer.from(text, 'base64url');
    bytes[at] = bytes[at]! ^ 0x01;
    return bytes.toString('base64url');
  };
  const failure = `cannot unseal '${rowA}': authentication failed (the value was altered or belongs to another row or column)`;
  throwsSeal(() => sealer.unseal([version, keyId, iv, flip(body, 0)].join('.'), rowA), failure);
  throwsSeal(() => sealer.unseal([version, keyId, flip(iv, 3), body].join('.'), rowA), failure);
  const tagAt = Buffer.from(body, 'base64url').length - 1;
  throwsSeal(() => sealer.unseal([version, keyId, iv, flip(body, tagAt)].join('.'), rowA), failure);
});

test('values that are not sealed values are refused without echoing them', () => {
  const sealer = createSealer(generateEncryptionKey());
  const message = `cannot unseal '${rowA}': the stored value is not a chartbridge sealed value`;
  for (const value of [
    'plain-refresh-token',
    '',
    'v2.abcdefgh.AAAA.BBBB',
    'v1.abc.!!!.BBBB',
    'v1.abcdefgh.AAAA.AAAA',
  ]) {
    throwsSeal(() => sealer.unseal(value, rowA), message);
  }
});

test('key ring: new key seals, old key still unseals, and the sealer says what needs re-sealing', () => {
  const oldKey = generateEncryptionKey();
  const newKey = generateEncryptionKey();
  const before = createSealer(oldKey);
  const sealedOld = before.seal('old-token', rowA);
  const ring = createSealer(`${newKey},${oldKey}`);
  assert.equal(ring.unseal(sealedOld, rowA), 'old-token');
  assert.equal(ring.isSealedWithCurrentKey(sealedOld), false);
  const sealedNew = ring.seal('new-token', rowA);
  assert.equal(ring.isSealedWithCurrentKey(sealedNew), true);
  assert.equal(createSealer(newKey).unseal(sealedNew, rowA), 'new-token');
  // The old key alone cannot open what the new key sealed, and the message names the missing key id only.
  const newKeyId = sealedNew.split('.')[1];
  throwsSeal(
    () => before.unseal(sealedNew, rowA),
    `cannot unseal '${rowA}': it was sealed with key id '${newKeyId}', which is not in CHARTBRIDGE_ENCRYPTION_KEY; add that key after the current one`,
  );
});

test('a changed key (not in the ring) fails with ERR_SEAL_INVALID, never a crash', () => {
  const sealed = createSealer(generateEncryptionKey()).seal('token', rowA);
  const other = createSealer(generateEncryptionKey());
  assert.throws(
    () => other.unseal(sealed, rowA),
    (e) => isChartbridgeError(e, 'ERR_SEAL_INVALID'),
  );
});

test('both base64 and base64url keys are accepted and mean the same key', () => {
  const raw = randomBytes(32);
  const standard = createSealer(raw.toString('base64'));
  const url = createSealer(raw.toString('base64url'));
  assert.equal(url.unseal(standard.seal('same', rowA), rowA), 'same');
});

test('case 12: a missing or malformed encryption key stops start-up with one line saying the fix', () => {
  const fix = 'set it to 32 random bytes in base64 or base64url (openssl rand -base64 32)';
  throwsKey(undefined, `CHARTBRIDGE_ENCRYPTION_KEY is not set: ${fix}`);
  throwsKey('  ', `CHARTBRIDGE_ENCRYPTION_KEY is not set: ${fix}`);
  throwsKey(randomBytes(16).toString('base64'), `CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: ${fix}`);
  throwsKey(randomBytes(33).toString('base64'), `CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: ${fix}`);
  throwsKey('not base64 at all!!', `CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: ${fix}`);
  throwsKey(
    `${generateEncryptionKey()},short`,
    `key #2 of CHARTBRIDGE_ENCRYPTION_KEY is not a 32-byte key: ${fix}`,
  );
});

test('generateEncryptionKey gives distinct 32-byte base64url keys', () => {
  const a = generateEncryptionKey();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(a, 'base64url').length, 32);
  assert.notEqual(a, generateEncryptionKey());
});
