import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { createFhirClient, type FhirClientOptions, type TokenSource } from './fhir-client.ts';
import { createHostLimiter } from './host-limiter.ts';
import { startTestServer } from '../testing/test-server.ts';

interface Seen {
  path: string;
  auth: string | undefined;
}

function fakeTokens(): TokenSource & { refreshes: number } {
  const tokens = {
    refreshes: 0,
    getAccessToken: async () => 'token-1',
    refreshAfterRejection: async (_id: string, rejected: string) => {
      tokens.refreshes += 1;
      assert.equal(rejected, 'token-1');
      return 'token-2';
    },
  };
  return tokens;
}

describe('fhir client', () => {
  const seen: Seen[] = [];
  const foreignSeen: Seen[] = [];
  const counters = new Map<string, number>();
  let inFlight = 0;
  let peak = 0;
  let ehr: Awaited<ReturnType<typeof startTestServer>>;
  let foreign: Awaited<ReturnType<typeof startTestServer>>;
  const bump = (key: string) => {
    counters.set(key, (counters.get(key) ?? 0) + 1);
    return counters.get(key)!;
  };

  before(async () => {
    const foreignApp = new Hono().all('*', (c) => {
      foreignSeen.push({ path: c.req.path, auth: c.req.header('authorization') });
      return c.json({ resourceType: 'Bundle' });
    });
    foreign = await startTestServer(foreignApp);
    const app = new Hono();
    app.use('*', async (c, next) => {
      seen.push({ path: c.req.path, auth: c.req.header('authorization') });
      await next();
    });
    app.get('/fhir/ok', (c) => c.json({ resourceType: 'Bundle' }));
    app.get('/fhir/redirect-inside', (c) => c.redirect('/fhir/ok', 302));
    app.get('/fhir/redirect-outside', (c) => c.redirect(`${foreign.url}/fhir/ok`, 302));
    app.get('/fhir/redirect-scheme', (c) => c.redirect('file:///etc/passwd', 302));
    app.get('/fhir/redirect-userinfo', (c) =>
      c.redirect(`http://x@${new URL(foreign.url).host}/fhir/ok`, 302),
    );
    app.get('/fhir/auth-once', (c) =>
      c.req.header('authorization') === 'Bearer token-2' ? c.json({ ok: true }) : c.body(null, 401),
    );
    app.get('/fhir/auth-never', (c) => c.body(null, 401));
    app.get('/fhir/rate/:key/:mode', (c) => {
      const n = bump(c.req.param('key'));
      if (n > 1) return c.json({ ok: true });
      const mode = c.req.param('mode');
      const value =
        mode === 'seconds'
          ? '2'
          : mode === 'absurd'
            ? '999999'
            : new Date(Date.parse('2026-01-01T00:00:07Z')).toUTCString();
      return c.body('busy', 429, { 'retry-after': value });
    });
    app.get('/fhir/down', (c) => c.body('<html>down</html>', 503, { 'content-type': 'text/html' }));
    app.get('/fhir/flaky/:key', (c) =>
      bump(c.req.param('key')) < 3 ? c.body('oops', 500) : c.json({ ok: true }),
    );
    app.get('/fhir/hang', () => new Promise<Response>(() => undefined));
    app.get('/fhir/trickle', () => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{'));
        },
      });
      return new Response(stream, { headers: { 'content-type': 'application/fhir+json' } });
    });
    app.get('/fhir/bomb', () => {
      const body = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
      return new Response(body, {
        headers: { 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' },
      });
    });
    app.get('/fhir/slow', async (c) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight -= 1;
      return c.json({ ok: true });
    });
    ehr = await startTestServer(app);
  });
  after(async () => {
    await ehr.close();
    await foreign.close();
  });

  function client(overrides: Partial<FhirClientOptions> = {}) {
    const sleeps: number[] = [];
    const refused: string[] = [];
    const tokens = fakeTokens();
    const instance = createFhirClient({
      fhirBase: `${ehr.url}/fhir`,
      connectionId: 'conn-1',
      tokens,
      limiter: createHostLimiter(),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
      onRefused: (event) => refused.push(event.origin),
      ...overrides,
    });
    return { instance, sleeps, refused, tokens };
  }

  it('sends the bearer under the base and follows redirects inside it', async () => {
    const { instance } = client();
    const response = await instance.get('redirect-inside');
    assert.equal(response.status, 200);
    assert.equal(response.url, `${ehr.url}/fhir/ok`);
    assert.deepEqual(
      seen.slice(-2).map((s) => s.auth),
      ['Bearer token-1', 'Bearer token-1'],
    );
  });

  it('refuses and records redirects and urls outside the base, never sending the token there (case 32)', async () => {
    for (const path of ['redirect-outside', 'redirect-scheme', 'redirect-userinfo']) {
      const { instance, refused } = client();
      await assert.rejects(
        instance.get(path),
        (e: Error & { code?: string }) => e.code === 'ERR_ORIGIN_MISMATCH',
      );
      assert.equal(refused.length, 1, path);
    }
    const { instance, refused } = client();
    await assert.rejects(
      instance.get(`${foreign.url}/fhir/ok`),
      (e: Error & { code?: string }) => e.code === 'ERR_ORIGIN_MISMATCH',
    );
    assert.deepEqual(refused, [foreign.url]);
    assert.equal(foreignSeen.length, 0);
  });

  it('after a 401 refreshes exactly once and retries once (case 22)', async () => {
    const { instance, tokens } = client();
    const before = seen.length;
    assert.equal((await instance.get('auth-once')).status, 200);
    assert.equal(tokens.refreshes, 1);
    assert.equal(seen.length - before, 2);
  });

  it('a second 401 means the patient must connect again (case 22)', async () => {
    const { instance, tokens } = client();
    const before = seen.length;
    await assert.rejects(instance.get('auth-never'), {
      code: 'ERR_FHIR_REAUTH_REQUIRED',
      message: `the ehr at '${ehr.url}' rejected a freshly refreshed access token; the patient must connect again`,
    });
    assert.equal(tokens.refreshes, 1);
    assert.equal(seen.length - before, 2);
  });

  it('honours Retry-After in seconds and as an http date, and caps absurd values (case 16)', async () => {
    const a = client();
    assert.equal((await a.instance.get('rate/a/seconds')).status, 200);
    assert.deepEqual(a.sleeps, [2000]);
    const b = client();
    assert.equal((await b.instance.get('rate/b/date')).status, 200);
    assert.deepEqual(b.sleeps, [7000]);
    const c = client({ limits: { retryAfterCapMs: 30_000 } });
    assert.equal((await c.instance.get('rate/c/absurd')).status, 200);
    assert.deepEqual(c.sleeps, [30_000]);
  });

  it('retries 5xx with jittered backoff and ends retryable on exhaustion (case 17)', async () => {
    const a = client();
    assert.equal((await a.instance.get('flaky/x')).status, 200);
    assert.deepEqual(a.sleeps, [250, 500]);
    const b = client();
    await assert.rejects(b.instance.get('down', { what: 'the Observation search' }), {
      code: 'ERR_FHIR_RETRYABLE',
      message: `the Observation search to '${ehr.url}' kept answering http 503 after retries; the sync will resume from its checkpoint later`,
    });
    assert.equal(b.sleeps.length, 3);
  });

  it('times out when headers never come and when the body stalls (case 18)', async () => {
    const limits = { headersTimeoutMs: 150, bodyIdleMs: 150, maxAttempts: 1 };
    const { instance } = client({ limits });
    await assert.rejects(
      instance.get('hang'),
      (e: Error & { code?: string; cause?: { code?: string; message?: string } }) => {
        assert.equal(e.code, 'ERR_FHIR_RETRYABLE');
        assert.equal(e.cause?.code, 'ERR_TIMEOUT');
        assert.equal(e.cause?.message, `a fhir request to '${ehr.url}' sent no headers within 150 ms`);
        return true;
      },
    );
    await assert.rejects(
      instance.get('trickle'),
      (e: Error & { code?: string; cause?: { code?: string; message?: string } }) => {
        assert.equal(e.cause?.code, 'ERR_TIMEOUT');
        assert.equal(e.cause?.message, 'a fhir request stalled: no body bytes for 150 ms');
        return true;
      },
    );
  });

  it('aborts a compression bomb at the decoded-size cap (case 34)', async () => {
    const { instance } = client({ limits: { maxBytes: 1024 * 1024 } });
    await assert.rejects(instance.get('bomb', { what: 'the Observation search' }), {
      code: 'ERR_SIZE_LIMIT',
      message:
        'the Observation search exceeds the size cap of 1048576 bytes (decoded); the rest of the sync continues without it',
    });
  });

  it('keeps to the per-host limit shared by every client of the process', async () => {
    const limiter = createHostLimiter({ maxPerHost: 3 });
    const a = client({ limiter }).instance;
    const b = client({ limiter }).instance;
    peak = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('slow')));
    assert.equal(peak, 3);
  });
});
