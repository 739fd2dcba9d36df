import { ChartbridgeError } from '../errors.ts';

const MAX_PARAMETERS = 16;
/** Codes can be long JWTs (docs/epic-facts.md §3): generous, but bounded. */
const MAX_VALUE_LENGTH: Record<string, number> = {
  code: 8192,
  error_description: 1024,
  state: 256,
  iss: 2048,
};
const DEFAULT_MAX_VALUE_LENGTH = 1024;

/**
 * Strict parsing of the raw callback query (case 3): repeated parameters, oversized values or control characters
 * are refused before anything is looked up or sent anywhere.
 */
export function parseCallbackQuery(rawQuery: string): URLSearchParams {
  if (rawQuery.length > 16_384) throw callbackError('the callback query is too long');
  const params = new URLSearchParams(rawQuery);
  const seen = new Set<string>();
  let count = 0;
  for (const [name, value] of params) {
    count += 1;
    if (count > MAX_PARAMETERS) throw callbackError('the callback has too many parameters');
    if (seen.has(name)) throw callbackError(`the callback repeats '${sanitizeName(name)}'`);
    seen.add(name);
    if (value.length > (MAX_VALUE_LENGTH[name] ?? DEFAULT_MAX_VALUE_LENGTH)) {
      throw callbackError(`the callback parameter '${sanitizeName(name)}' is too long`);
    }
    // error_description is free text shown escaped; every other value must be printable ASCII.
    const allowed = name === 'error_description' ? /^[^\p{Cc}]*$/u : /^[\x21-\x7e]*$/;
    if (!allowed.test(value) || /\p{Cc}/u.test(name)) {
      throw callbackError(
        `the callback parameter '${sanitizeName(name)}' contains control or non-ascii characters`,
      );
    }
  }
  return params;
}

function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '?').slice(0, 40);
}

function callbackError(reason: string): ChartbridgeError {
  return new ChartbridgeError('ERR_INVALID_INPUT', `${reason}; start the connection again`);
}
