import { gzipSync } from 'node:zlib';
import type { FaultRule } from './fault-rule.ts';
import { epicCodes } from '../fhir/epic-outcome.ts';
import { respondOutcome } from '../fhir/fhir-responses.ts';

/**
 * Response rewrites for the body-level faults. Each takes the response the sandbox would have sent and returns
 * the broken one; the status and headers stay, so the client sees a plausible reply that fails while reading.
 */
export type Sleep = (ms: number) => Promise<void>;

const defaultOversizedBytes = 16 * 1024 * 1024;

/** 429/503/5xx without touching the server; `Retry-After` as given (seconds or an HTTP date). */
export function respondWithStatus(rule: FaultRule): Response {
  const status = rule.status ?? 503;
  // Epic rejects a search it cannot run with a FHIR OperationOutcome, not the web server's HTML page.
  if (status === 400) return respondOutcome(400, epicCodes.invalidParameter);
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8' });
  if (rule.retryAfter !== undefined) headers.set('retry-after', rule.retryAfter);
  const body = `<html><head><title>${status}</title></head><body><h1>Service unavailable (${status})</h1></body></html>`;
  return new Response(body, { status, headers });
}

/**
 * Sends the first half of the body, then breaks the connection: by destroying the socket when the Node adapter
 * exposes it (a quiet TCP close mid-body), else by erroring the stream (the adapter then destroys it and logs).
 */
export function resetMidBody(res: Response, destroySocket?: () => void): Response {
  const source = res.body;
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        const bytes = source ? new Uint8Array(await new Response(source).arrayBuffer()) : new Uint8Array();
        if (bytes.byteLength > 1) controller.enqueue(bytes.slice(0, Math.floor(bytes.byteLength / 2)));
        return;
      }
      if (!destroySocket) return controller.error(new Error('sandbox fault: connection reset'));
      // Let the first half reach the socket before it goes away; the stream is cancelled on close.
      await new Promise((resolve) => setTimeout(resolve, 5));
      destroySocket();
      await new Promise(() => {});
    },
  });
  const broken = withBody(res, stream, true);
  // Chunked from the start: the Node adapter then writes the headers before reading, so the break lands
  // mid-body instead of ending a short but complete response.
  broken.headers.set('transfer-encoding', 'chunked');
  return broken;
}

/** Sends the body one byte at a time, `ms` apart (default one byte per second). */
export function slowBody(res: Response, rule: FaultRule, sleep: Sleep): Response {
  const gap = rule.ms ?? 1000;
  const source = res.body;
  let bytes: Uint8Array | undefined;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      bytes ??= source ? new Uint8Array(await new Response(source).arrayBuffer()) : new Uint8Array();
      if (offset >= bytes.byteLength) return controller.close();
      if (offset > 0) await sleep(gap);
      controller.enqueue(bytes.slice(offset, offset + 1));
      offset += 1;
    },
  });
  return withBody(res, stream, true);
}

/** Pads a JSON body with a large string member so it exceeds any sane page-size limit. */
export async function oversizeBody(res: Response, rule: FaultRule): Promise<Response> {
  const text = await res.text();
  const padding = 'x'.repeat(rule.bytes ?? defaultOversizedBytes);
  const padded = text.startsWith('{') ? `{"_padding":"${padding}",${text.slice(1)}` : text + padding;
  return withBody(res, padded, true);
}

/** Cuts a JSON body in half and appends stray bytes, so it no longer parses. */
export async function malformBody(res: Response): Promise<Response> {
  const text = await res.text();
  return withBody(res, `${text.slice(0, Math.floor(text.length / 2))}\u0000<!-- truncated -->`, true);
}

/** Points `link[relation=next]` of a Bundle at another origin (a token must never follow it). */
export async function foreignNext(res: Response, rule: FaultRule): Promise<Response> {
  const bundle = await readJson(res);
  if (!bundle) return res;
  const origin = rule.origin ?? 'https://foreign.invalid';
  for (const link of (bundle.link as { relation?: string; url?: string }[] | undefined) ?? []) {
    if (link.relation !== 'next' || !link.url) continue;
    const url = new URL(link.url);
    link.url = new URL(url.pathname + url.search, origin).toString();
  }
  return withBody(res, JSON.stringify(bundle), true);
}

/** Makes every attachment URL in a Bundle or resource absolute on another origin (a token must never go there). */
export async function foreignAttachments(res: Response, rule: FaultRule): Promise<Response> {
  const body = await readJson(res);
  if (!body) return res;
  const origin = rule.origin ?? 'https://foreign.invalid';
  const rewrite = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(rewrite);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (
      typeof record.contentType === 'string' &&
      typeof record.url === 'string' &&
      !/^https?:/.test(record.url)
    ) {
      record.url = `${origin}/${record.url}`;
    }
    Object.values(record).forEach(rewrite);
  };
  rewrite(body);
  return withBody(res, JSON.stringify(body), true);
}

/** A small gzip body that inflates to `bytes` of valid JSON; clients must stop at their decoded-size cap. */
export function compressionBomb(
  res: Response,
  rule: FaultRule,
  bombs: Map<number, Uint8Array<ArrayBuffer>>,
): Response {
  const size = rule.bytes ?? 64 * 1024 * 1024;
  let bomb = bombs.get(size);
  if (!bomb) {
    const head = '{"resourceType":"Bundle","type":"searchset","_padding":"';
    const json = Buffer.alloc(Math.max(size, head.length + 2), 'x');
    json.write(head, 0);
    json.write('"}', json.length - 2);
    bomb = new Uint8Array(gzipSync(json, { level: 9 }));
    bombs.set(size, bomb);
  }
  const headers = new Headers(res.headers);
  headers.set('content-encoding', 'gzip');
  headers.set('content-length', String(bomb.byteLength));
  void res.body?.cancel();
  return new Response(bomb, { status: res.status, headers });
}

/** Drops `resource` from every match/include entry of a Bundle, as broken servers do. */
export async function dropEntryResources(res: Response): Promise<Response> {
  const bundle = await readJson(res);
  if (!bundle) return res;
  for (const entry of (bundle.entry as { resource?: unknown; search?: { mode?: string } }[] | undefined) ??
    []) {
    if (entry.search?.mode !== 'outcome') delete entry.resource;
  }
  return withBody(res, JSON.stringify(bundle), true);
}

/** Same body, but every header dropped (Node then labels it `text/plain`). */
export function stripHeaders(res: Response): Response {
  return new Response(res.body, { status: res.status });
}

async function readJson(res: Response): Promise<Record<string, unknown> | undefined> {
  if (!/json/.test(res.headers.get('content-type') ?? '')) return undefined;
  const text = await res.clone().text();
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function withBody(res: Response, body: ReadableStream<Uint8Array> | string, dropLength: boolean): Response {
  const headers = new Headers(res.headers);
  if (dropLength) headers.delete('content-length');
  return new Response(body, { status: res.status, headers });
}
