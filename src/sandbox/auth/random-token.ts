import { randomBytes } from 'node:crypto';

/** An opaque, unguessable value (base64url). Sizes mimic Epic's long codes and tokens so clients never truncate. */
export function createRandomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
