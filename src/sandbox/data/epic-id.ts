import { createHash } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * An Epic-looking FHIR id derived from a stable seed: `e` + 24 chars + `.` + 10 chars + `-` + 10 chars. Real Epic
 * ids are long and contain `.` and `-`; serving ids like these keeps clients honest about escaping and length.
 * The same seed always gives the same id, so reloading the sandbox keeps every URL valid.
 */
export function createEpicId(seed: string): string {
  const digest = createHash('sha512').update(seed).digest();
  let text = 'e';
  for (let i = 0; i < 44; i += 1) {
    if (i === 24) text += '.';
    else if (i === 35) text += '-';
    else text += alphabet[(digest[i] ?? 0) % alphabet.length];
  }
  return text;
}
