import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ChartbridgeError } from '../errors.ts';

/**
 * Authenticated encryption for secrets at rest (refresh tokens, access tokens, PKCE verifiers).
 * `binding` names where the value lives (e.g. `connections/<id>/refresh_token_sealed`) and is authenticated as
 * AAD, so a ciphertext copied to another row or column fails to open (case 39).
 */
export interface Sealer {
  seal(plaintext: string, binding: string): string;
  unseal(sealed: string, binding: string): string;
  /** False when the value was sealed with an older key of the ring (or is unreadable): re-seal it. */
  isSealedWithCurrentKey(sealed: string): boolean;
}

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;
const keyBytes = 32;
const keyEncoding = /^[A-Za-z0-9+/_-]+={0,2}$/;

interface RingKey {
  id: string;
  key: Buffer;
}

/**
 * AES-256-GCM with a random 96-bit IV per value. Output: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url parts).
 * `encryptionKeys` is one key or a comma-separated ring: the first seals, every one unseals, so a key can be
 * rotated without a flag day (add the new key first, re-seal, then drop the old one).
 */
export function createSealer(encryptionKeys: string | undefined): Sealer {
  const ring = parseKeyRing(encryptionKeys);
  const current = ring[0]!;
  const byId = new Map(ring.map((entry) => [entry.id, entry]));
  return {
    seal(plaintext, binding) {
      assertBinding(binding);
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: tagBytes });
      cipher.setAAD(additionalData(current.id, binding));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [version, current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    unseal(sealed, binding) {
      assertBinding(binding);
      const parts = parseSealed(sealed, binding);
      const entry = byId.get(parts.keyId);
      if (!entry) {
        throw sealError(
          `cannot unseal '${binding}': it was sealed with key id '${parts.keyId}', which is not in CHARTBRIDGE_ENCRYPTION_KEY; add that key after the current one`,
        );
      }
      return openSealed(entry, parts, binding);
    },
    isSealedWithCurrentKey(sealed) {
      return typeof sealed === 'string' && sealed.startsWith(`${version}.${current.id}.`);
    },
  };
}

/** A fresh 32-byte key, base64url, for CHARTBRIDGE_ENCRYPTION_KEY. */
export function generateEncryptionKey(): string {
  return randomBytes(keyBytes).toString('base64url');
}

function parseKeyRing(encryptionKeys: string | undefined): RingKey[] {
  const fix = 'set it to 32 random bytes in base64 or base64url (openssl rand -base64 32)';
  if (encryptionKeys === undefined || encryptionKeys.trim() === '') {
    throw new ChartbridgeError('ERR_ENCRYPTION_KEY_INVALID', `CHARTBRIDGE_ENCRYPTION_KEY is not set: ${fix}`);
  }
  const ring: RingKey[] = [];
  const parts = encryptionKeys.split(',').map((part) => part.trim());
  for (const [index, text] of parts.entries()) {
    const key = keyEncoding.test(text) ? Buffer.from(text, 'base64') : undefined;
    if (!key || key.length !== keyBytes) {
      const which =
        parts.length > 1 ? `key #${index + 1} of CHARTBRIDGE_ENCRYPTION_KEY` : 'CHARTBRIDGE_ENCRYPTION_KEY';
      throw new ChartbridgeError('ERR_ENCRYPTION_KEY_INVALID', `${which} is not a 32-byte key: ${fix}`);
    }
    const id = keyIdFor(key);
    if (!ring.some((entry) => entry.id === id)) ring.push({ id, key });
  }
  return ring;
}

/** A short public fingerprint of the key (never the key): tells unseal which ring entry to use. */
function keyIdFor(key: Buffer): string {
  return createHash('sha256')
    .update('chartbridge-sealer-key-id\0')
    .update(key)
    .digest('base64url')
    .slice(0, 8);
}

function additionalData(keyId: string, binding: string): Buffer {
  return Buffer.from(`${version}.${keyId}.${binding}`, 'utf8');
}

interface SealedParts {
  keyId: string;
  iv: Buffer;
  body: Buffer;
}

function parseSealed(sealed: string, binding: string): SealedParts {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  const [tag, keyId, iv, body] = parts;
  const b64url = /^[A-Za-z0-9_-]+$/;
  if (parts.length !== 4 || tag !== version || !keyId || !b64url.test(keyId) || !iv || !body) {
    throw sealError(`cannot unseal '${binding}': the stored value is not a chartbridge sealed value`);
  }
  if (!b64url.test(iv) || !b64url.test(body)) {
    throw sealError(`cannot unseal '${binding}': the stored value is not a chartbridge sealed value`);
  }
  const parsed = { keyId, iv: Buffer.from(iv, 'base64url'), body: Buffer.from(body, 'base64url') };
  if (parsed.iv.length !== ivBytes || parsed.body.length < tagBytes) {
    throw sealError(`cannot unseal '${binding}': the stored value is not a chartbridge sealed value`);
  }
  return parsed;
}

function openSealed(entry: RingKey, parts: SealedParts, binding: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, parts.iv, { authTagLength: tagBytes });
    decipher.setAAD(additionalData(entry.id, binding));
    decipher.setAuthTag(parts.body.subarray(parts.body.length - tagBytes));
    const plain = Buffer.concat([
      decipher.update(parts.body.subarray(0, parts.body.length - tagBytes)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch (cause) {
    throw sealError(
      `cannot unseal '${binding}': authentication failed (the value was altered or belongs to another row or column)`,
      cause,
    );
  }
}

function assertBinding(binding: string): void {
  if (typeof binding !== 'string' || binding.length === 0)
    throw new TypeError('a sealing binding is required');
}

function sealError(message: string, cause?: unknown): ChartbridgeError {
  return new ChartbridgeError('ERR_SEAL_INVALID', message, { cause });
}
