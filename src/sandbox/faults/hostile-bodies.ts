import type { FaultRule } from './fault-rule.ts';

/**
 * Search pages a malicious EHR could send (issue 14, `npm run bench:hostile`). Each replaces the sandbox's answer
 * with a well-formed but hostile searchset, built as a stream of chunks so the sandbox itself never holds a
 * second copy of a 45 MB body.
 */
const ENTRY =
  '{"fullUrl":"Observation/x","resource":{"resourceType":"Observation","id":"x","status":"final"}}';
/** 46 bytes and a comma: a million of them make the 45 MB page of issue 14. */
const TINY_ENTRY = '{"resource":{"resourceType":"Basic","id":"1"}}';

function streamOf(parts: () => Generator<string>): ReadableStream<Uint8Array> {
  const iterator = parts();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}

function fhirJson(res: Response, body: ReadableStream<Uint8Array> | string): Response {
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('content-type', 'application/fhir+json');
  return new Response(body, { status: 200, headers });
}

/** `count` tiny entries in one page (default 1,000,000: 47 bytes each, 45 MiB). */
export function manyEntries(res: Response, rule: FaultRule): Response {
  const count = rule.count ?? 1_000_000;
  return fhirJson(
    res,
    streamOf(function* () {
      yield '{"resourceType":"Bundle","type":"searchset","entry":[';
      const batch = Array.from({ length: 1000 }, () => TINY_ENTRY).join(',');
      for (let sent = 0; sent < count; sent += 1000) {
        const n = Math.min(1000, count - sent);
        yield `${sent === 0 ? '' : ','}${n === 1000 ? batch : Array.from({ length: n }, () => TINY_ENTRY).join(',')}`;
      }
      yield ']}';
    }),
  );
}

/** One Observation whose `valueString` is `bytes` long (default 60 MB). */
export function longString(res: Response, rule: FaultRule): Response {
  const bytes = rule.bytes ?? 60 * 1024 * 1024;
  const chunk = 'x'.repeat(1 << 20);
  return fhirJson(
    res,
    streamOf(function* () {
      yield '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation","id":"x","valueString":"';
      for (let sent = 0; sent < bytes; sent += chunk.length)
        yield chunk.slice(0, Math.min(chunk.length, bytes - sent));
      yield '"}}]}';
    }),
  );
}

/** An entry nested `count` arrays deep (default 200,000). */
export function deepNesting(res: Response, rule: FaultRule): Response {
  const depth = rule.count ?? 200_000;
  return fhirJson(
    res,
    `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation","id":"x","extension":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`,
  );
}

/** A one-entry page whose `next` link leads to another such page, forever (a new cursor each time). */
export function endlessNext(res: Response, requestUrl: string): Response {
  const url = new URL(requestUrl);
  const page = Number(url.searchParams.get('hostile-page') ?? '0') + 1;
  url.searchParams.set('hostile-page', String(page));
  const entry = ENTRY.replaceAll('"x"', `"endless-${page}"`).replace(
    'Observation/x',
    `Observation/endless-${page}`,
  );
  return fhirJson(
    res,
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: url.toString() }],
      entry: [JSON.parse(entry) as unknown],
    }),
  );
}
