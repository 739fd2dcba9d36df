/**
 * Ids chosen by the app (user ids) or by us (connection ids): 1-128 characters that are safe in paths, logs and
 * SQL parameters. Every place that takes one from outside (API, pages, CLI) checks it against this one pattern.
 */
export const SAFE_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/** How error messages name what SAFE_ID_PATTERN allows. */
export const SAFE_ID_CHARACTERS = 'letters, digits and . _ : @ -';

export function isSafeId(value: string): boolean {
  return SAFE_ID_PATTERN.test(value);
}
