import { createHash } from 'node:crypto';

/** How one organisation's ids look (REAL-WORLD.md "Ids"); every style is deterministic from its seed. */
export type IdStyle = 'epic' | 'generic' | 'payer';

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Epic with "Unconstrained FHIR IDs": 70–130 characters of letters and digits cut by `.` and `-`, the length
 * varying from id to id within one type. The same seed always gives the same id, so restarts keep every URL.
 */
export function createLongEpicId(seed: string): string {
  const digest = createHash('shake256', { outputLength: 160 }).update(seed).digest();
  const length = 70 + ((digest[0] ?? 0) % 61);
  let text = 'e';
  for (let i = 1; text.length < length; i += 1) {
    const byte = digest[i] ?? 0;
    // About one separator in twelve, never two in a row nor at the end.
    const separator = byte % 12 === 0 && /[A-Za-z0-9]$/.test(text) && text.length < length - 1;
    text += separator ? (byte & 16 ? '.' : '-') : letters[byte % letters.length];
  }
  return text;
}

/** Generic certified EHRs: short dotted ids such as `a-80000.E-14545`. */
export function createGenericId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const number = (offset: number): string => String(digest.readUInt32BE(offset) % 100000).padStart(5, '0');
  const letter = letters[(digest[8] ?? 0) % 26];
  return `a-${number(0)}.${letter}-${number(4)}`;
}

/** Payers: 96-character lower-case hex strings. */
export function createPayerId(seed: string): string {
  return createHash('sha384').update(seed).digest('hex');
}

export function createIdFor(style: IdStyle): (seed: string) => string {
  if (style === 'generic') return createGenericId;
  if (style === 'payer') return createPayerId;
  return createLongEpicId;
}
