import { createHash } from 'node:crypto';
import type { FhirResponse } from '../fhir/fhir-client.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';

export interface DecodedBinary {
  status: 'ok' | 'corrupt';
  contentType: string;
  bytes: Buffer | null;
  size: number;
  hash: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,64}$/;

/**
 * Turns a Binary answer into bytes: a FHIR JSON Binary with base64 `data`, or raw bytes. Any content type is
 * kept only as a label (A10: html or svg are stored as bytes, never rendered). Corrupt base64 or a size that
 * differs from what the attachment declared marks it corrupt.
 */
export function decodeBinary(response: FhirResponse, declaredSize: number | undefined): DecodedBinary {
  const json = tryReadJsonBinary(response);
  let bytes: Buffer | null;
  let contentType: string;
  if (json) {
    contentType = cleanContentType(json.contentType);
    bytes = typeof json.data === 'string' ? decodeBase64Strict(json.data) : null;
  } else {
    contentType = cleanContentType(response.contentType);
    bytes = response.body;
  }
  if (bytes === null || (declaredSize !== undefined && declaredSize !== bytes.length)) {
    return {
      status: 'corrupt',
      contentType,
      bytes: null,
      size: bytes?.length ?? 0,
      hash: hashOf(bytes ?? Buffer.alloc(0)),
    };
  }
  return { status: 'ok', contentType, bytes, size: bytes.length, hash: hashOf(bytes) };
}

function tryReadJsonBinary(response: FhirResponse): { contentType?: unknown; data?: unknown } | undefined {
  if (!/json/i.test(response.contentType)) return undefined;
  try {
    const json = parseJsonCapped(
      response.body,
      { maxDepth: 8, maxStringLength: response.body.length },
      'a binary',
    );
    const binary = json as { resourceType?: unknown; contentType?: unknown; data?: unknown };
    return binary?.resourceType === 'Binary' ? binary : undefined;
  } catch {
    return undefined;
  }
}

export function decodeBase64Strict(text: string): Buffer | null {
  const compact = text.replace(/[\r\n ]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** The media type without parameters (`text/plain; charset=utf-8` → `text/plain`), or octet-stream. */
function cleanContentType(value: unknown): string {
  const text = typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : '';
  return CONTENT_TYPE.test(text) ? text : 'application/octet-stream';
}

function hashOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
