import { ChartbridgeError } from '../errors.ts';

export type BundleItem =
  { kind: 'field'; key: string; value: unknown } | { kind: 'entry'; index: number; value: unknown };

export interface BundleStreamOptions {
  /** Largest single entry accepted; a bigger one stops the import (case 11). */
  maxEntryBytes?: number;
  maxDepth?: number;
}

/**
 * Reads a FHIR Bundle from a byte stream and yields its top-level fields and each `entry` element, parsed one at a
 * time: memory holds one entry, never the file (Epic's Brands bundle is ~95 MB). A byte scanner finds entry
 * boundaries and `JSON.parse` does the parsing; a token-per-value streaming parser (stream-json) is several times
 * slower on this shape and would add a dependency for a job this small.
 */
export async function* readBundleItems(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: BundleStreamOptions = {},
): AsyncGenerator<BundleItem> {
  const scanner = createBundleScanner(options);
  for await (const chunk of chunks) {
    yield* scanner.push(toBuffer(chunk));
  }
  scanner.finish();
}

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string'
    ? Buffer.from(chunk)
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_FIELD_BYTES = 1_000_000;

interface ScanState {
  buf: Buffer;
  pos: number;
  depth: number;
  inString: boolean;
  started: boolean;
  ended: boolean;
  /** Start of a key string at depth 1, while it is being read. */
  stringStart: number;
  expectKey: boolean;
  lastString: string;
  key: string | undefined;
  /** Start of a top-level field value (other than `entry`), while it is being read. */
  valueStart: number;
  inEntries: boolean;
  entryStart: number;
  entryIndex: number;
  items: BundleItem[];
}

export interface BundleScanner {
  push(chunk: Buffer): BundleItem[];
  /** Throws when the stream ended before the bundle did. */
  finish(): void;
}

export function createBundleScanner(options: BundleStreamOptions = {}): BundleScanner {
  const maxEntryBytes = options.maxEntryBytes ?? 10_000_000;
  const maxDepth = options.maxDepth ?? 64;
  const s: ScanState = {
    buf: Buffer.alloc(0),
    pos: 0,
    depth: 0,
    inString: false,
    started: false,
    ended: false,
    stringStart: -1,
    expectKey: false,
    lastString: '',
    key: undefined,
    valueStart: -1,
    inEntries: false,
    entryStart: -1,
    entryIndex: 0,
    items: [],
  };
  return {
    push(chunk) {
      s.buf = s.buf.length === 0 ? chunk : Buffer.concat([s.buf, chunk]);
      s.items = [];
      while (s.pos < s.buf.length) {
        if (s.inString) skipString(s);
        else scanByte(s, s.buf[s.pos]!, maxDepth);
      }
      if (s.entryStart >= 0 && s.pos - s.entryStart > maxEntryBytes) {
        throw invalid(`has an entry larger than ${maxEntryBytes} bytes (entry ${s.entryIndex + 1})`);
      }
      if (s.valueStart >= 0 && s.pos - s.valueStart > MAX_FIELD_BYTES) {
        throw invalid(`has a field '${s.key}' that is too large`);
      }
      dropConsumed(s);
      return s.items;
    },
    finish() {
      if (!s.started) throw invalid('is empty');
      if (!s.ended || s.inString) throw invalid('ends before the bundle is complete (truncated download?)');
    },
  };
}

function invalid(why: string): ChartbridgeError {
  return new ChartbridgeError('ERR_DIRECTORY_INVALID', `the directory file ${why}`);
}

/** Inside a string only an unescaped quote matters: jump to it (most bytes of a bundle are string content). */
function skipString(s: ScanState): void {
  const quote = s.buf.indexOf(QUOTE, s.pos);
  if (quote < 0) {
    s.pos = s.buf.length;
    return;
  }
  let slashes = 0;
  while (quote - 1 - slashes >= 0 && s.buf[quote - 1 - slashes] === BACKSLASH) slashes++;
  s.pos = quote + 1;
  if (slashes % 2 === 1) return;
  s.inString = false;
  if (s.stringStart >= 0) {
    s.lastString = JSON.parse(s.buf.toString('utf8', s.stringStart, s.pos)) as string;
    s.stringStart = -1;
  }
}

function scanByte(s: ScanState, byte: number, maxDepth: number): void {
  switch (byte) {
    case QUOTE:
      s.inString = true;
      if (s.depth === 1 && s.expectKey) s.stringStart = s.pos;
      break;
    case 0x7b: // {
    case 0x5b: // [
      openContainer(s, byte === 0x7b);
      if (s.depth > maxDepth) throw invalid(`nests deeper than ${maxDepth} levels`);
      break;
    case 0x7d: // }
    case 0x5d: // ]
      closeContainer(s);
      break;
    case 0x3a: // :
      if (s.depth === 1) {
        s.key = s.lastString;
        s.expectKey = false;
        s.valueStart = s.key === 'entry' ? -1 : s.pos + 1;
      }
      break;
    case 0x2c: // ,
      if (s.depth === 1) {
        endField(s);
        s.expectKey = true;
      }
      break;
    default:
      // A UTF-8 byte order mark may precede the document; anything else outside it is not a bundle.
      if (byte > 0x20 && !s.started && byte !== 0xef && byte !== 0xbb && byte !== 0xbf) {
        throw invalid('is not a FHIR Bundle (expected a JSON object)');
      }
      if (byte > 0x20 && s.ended) throw invalid('has data after the end of the bundle');
  }
  s.pos++;
}

function openContainer(s: ScanState, isObject: boolean): void {
  if (s.ended) throw invalid('has data after the end of the bundle');
  if (!s.started) {
    if (!isObject) throw invalid('is not a FHIR Bundle (expected a JSON object)');
    s.started = true;
    s.expectKey = true;
  } else if (s.depth === 1 && s.key === 'entry' && !isObject) {
    s.inEntries = true;
  } else if (s.depth === 2 && s.inEntries && isObject) {
    s.entryStart = s.pos;
  }
  s.depth++;
}

function closeContainer(s: ScanState): void {
  s.depth--;
  if (s.depth < 0 || !s.started) throw invalid('is not valid JSON (unbalanced brackets)');
  if (s.depth === 2 && s.entryStart >= 0) {
    const text = s.buf.toString('utf8', s.entryStart, s.pos + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid(`has invalid JSON in entry ${s.entryIndex + 1}`);
    }
    s.items.push({ kind: 'entry', index: s.entryIndex++, value });
    s.entryStart = -1;
  } else if (s.depth === 1 && s.inEntries) {
    s.inEntries = false;
  } else if (s.depth === 0) {
    endField(s);
    s.ended = true;
  }
}

function endField(s: ScanState): void {
  if (s.valueStart < 0) return;
  const text = s.buf.toString('utf8', s.valueStart, s.pos).trim();
  s.valueStart = -1;
  try {
    s.items.push({ kind: 'field', key: s.key!, value: JSON.parse(text) });
  } catch {
    throw invalid(`has an invalid value for '${s.key}'`);
  }
}

/** Keeps only the bytes of what is still open (an entry, a field value, a key) and drops the rest. */
function dropConsumed(s: ScanState): void {
  const open = [s.entryStart, s.valueStart, s.stringStart].filter((i) => i >= 0);
  const keep = Math.min(...open, s.pos);
  if (keep <= 0) return;
  s.buf = s.buf.subarray(keep);
  s.pos -= keep;
  if (s.entryStart >= 0) s.entryStart -= keep;
  if (s.valueStart >= 0) s.valueStart -= keep;
  if (s.stringStart >= 0) s.stringStart -= keep;
}
