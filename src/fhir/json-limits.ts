import { ChartbridgeError } from '../errors.ts';

export interface JsonLimits {
  maxDepth: number;
  maxStringLength: number;
  /**
   * Most entries in a Bundle's top-level `entry` array (a search page). Counted in the same pre-scan, so a page
   * of a million tiny entries is refused after the cap's worth of bytes, before anything is parsed or stored.
   */
  maxEntries?: number;
}

export const defaultJsonLimits: JsonLimits = { maxDepth: 64, maxStringLength: 16 * 1024 * 1024 };

/**
 * JSON.parse with nesting-depth and string-length caps (case 11). A linear pre-scan over the bytes
 * checks both before any object is built, so a hostile page cannot make us allocate a deep tree or walk it
 * recursively. Throws ERR_FHIR_RESPONSE_INVALID (not JSON) or ERR_SIZE_LIMIT (caps).
 */
export function parseJsonCapped(body: Buffer, limits: JsonLimits, what: string): unknown {
  scanJson(body, limits, what);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new ChartbridgeError('ERR_FHIR_RESPONSE_INVALID', `${what} is not valid json`, { cause });
  }
}

function scanJson(body: Buffer, limits: JsonLimits, what: string): void {
  const entries = createEntryCounter(limits.maxEntries, what);
  let depth = 0;
  for (let i = 0; i < body.length; i += 1) {
    const byte = body[i]!;
    if (byte === 0x22) {
      // Jump to the closing quote natively (most of a FHIR page is strings); an odd run of backslashes escapes.
      const end = findClosingQuote(body, i + 1);
      if ((end < 0 ? body.length : end) - i > limits.maxStringLength)
        throw capError(what, `a string longer than ${limits.maxStringLength} bytes`);
      if (end < 0) return;
      if (depth === 1) entries.sawTopLevelString(body, i + 1, end);
      i = end;
    } else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      if (depth > limits.maxDepth) throw capError(what, `nesting deeper than ${limits.maxDepth} levels`);
      entries.opened(byte, depth);
    } else if (byte === 0x7d || byte === 0x5d) {
      if (depth === 2) entries.closedArray();
      depth -= 1;
    }
  }
}

const ENTRY_KEY = Buffer.from('entry');

/**
 * Counts the objects of the top-level `entry` array while the scan walks the bytes: the last string seen at
 * depth 1 is the key of the array that opens next, and each `{` opening at depth 3 inside it is one entry.
 */
function createEntryCounter(max: number | undefined, what: string) {
  let lastKeyIsEntry = false;
  let inEntries = false;
  let count = 0;
  return {
    sawTopLevelString(body: Buffer, start: number, end: number) {
      lastKeyIsEntry = end - start === ENTRY_KEY.length && body.compare(ENTRY_KEY, 0, 5, start, end) === 0;
    },
    opened(byte: number, depth: number) {
      if (max === undefined) return;
      if (depth === 2) inEntries = byte === 0x5b && lastKeyIsEntry;
      else if (depth === 3 && inEntries && byte === 0x7b && (count += 1) > max)
        throw capError(what, `more than ${max} entries (the cap for one page)`);
    },
    closedArray() {
      inEntries = false;
    },
  };
}

function findClosingQuote(body: Buffer, from: number): number {
  for (let quote = body.indexOf(0x22, from); quote >= 0; quote = body.indexOf(0x22, quote + 1)) {
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

function capError(what: string, detail: string): ChartbridgeError {
  return new ChartbridgeError('ERR_SIZE_LIMIT', `${what} has ${detail}; it was skipped`);
}
