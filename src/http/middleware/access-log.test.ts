import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Hono } from 'hono';
import { createLogContext } from '../../log/log-context.ts';
import { createLogger } from '../../log/logger.ts';
import type { RequestObservation } from '../../metrics/metrics.ts';
import { accessLog, requestIdFor } from './access-log.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function buildApp() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
  });
  const logContext = createLogContext();
  const log = createLogger({ level: 'info', destination: sink, context: logContext });
  const observed: RequestObservation[] = [];
  const app = new Hono();
  app.use('*', accessLog({ log, logContext, metrics: { observeRequest: (o) => observed.push(o) } }));
  app.onError((_error, c) => c.json({ error: 'boom' }, 500));
  app.use('/api/*', async (c, next) => {
    if (c.req.header('authorization') !== 'Bearer ok') return c.json({ error: 'no key' }, 401);
    await next();
  });
  // Logs from deep inside, through the shared logger (not a child handed down): it must still carry the id.
  app.get('/api/items/:id', async (c) => {
    await new Promise((resolve) => setImmediate(resolve));
    log.info({ step: 'loading' }, 'inside the handler');
    return c.json({ id: c.req.param('id') });
  });
  app.get('/api/fail', () => {
    throw new Error('broken');
  });
  return { app, lines, observed };
}

const ok = { authorization: 'Bearer ok' };

test('a sane X-Request-Id is kept and echoed; every line of the request carries it; one access line without the path or query', async () => {
  const { app, lines, observed } = buildApp();
  const response = await app.request('/api/items/conn-123?token=s3cret-value&_since=2026', {
    headers: { ...ok, 'x-request-id': 'trace-abc.123:XYZ_9' },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-request-id'), 'trace-abc.123:XYZ_9');
  assert.equal(lines.length, 2);
  assert.deepEqual(
    lines.map((line) => [line.msg, line.requestId]),
    [
      ['inside the handler', 'trace-abc.123:XYZ_9'],
      ['request', 'trace-abc.123:XYZ_9'],
    ],
  );
  const { time, durationMs, ...access } = lines[1]!;
  assert.equal(typeof time, 'number');
  assert.ok(typeof durationMs === 'number' && durationMs >= 0 && durationMs < 10_000, String(durationMs));
  assert.deepEqual(access, {
    level: 30,
    requestId: 'trace-abc.123:XYZ_9',
    method: 'GET',
    route: '/api/items/:id',
    status: 200,
    msg: 'request',
  });
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /s3cret|token=|_since|conn-123/);
  assert.equal(observed.length, 1);
  assert.deepEqual(
    { ...observed[0], seconds: 0 },
    { method: 'GET', route: '/api/items/:id', status: 200, seconds: 0 },
  );
});

test('a missing, short, long or strange X-Request-Id is replaced by a fresh UUID, different per request', async () => {
  const { app, lines } = buildApp();
  const ids: string[] = [];
  for (const header of [
    undefined,
    'short',
    'x'.repeat(129),
    'has space in it',
    'accent-\u00e9-id',
    'id;drop=1',
    '',
  ]) {
    const response = await app.request('/api/items/1', {
      headers: header === undefined ? ok : { ...ok, 'x-request-id': header },
    });
    const id = response.headers.get('x-request-id')!;
    assert.match(id, UUID, String(header));
    ids.push(id);
  }
  assert.equal(new Set(ids).size, ids.length);
  const accessIds = lines.filter((line) => line.msg === 'request').map((line) => line.requestId);
  assert.deepEqual(accessIds, ids);
  assert.equal(requestIdFor('x'.repeat(128)), 'x'.repeat(128));
  assert.equal(requestIdFor('12345678'), '12345678');
});

test('refused, failed and unmatched requests are logged and timed under their route pattern, never their path', async () => {
  const { app, lines, observed } = buildApp();
  const refused = await app.request('/api/items/secret-id', { headers: { 'x-request-id': 'req-refused-1' } });
  const failed = await app.request('/api/fail', { headers: ok });
  const missing = await app.request('/connect/one-time-token-value');
  assert.deepEqual([refused.status, failed.status, missing.status], [401, 500, 404]);
  assert.equal(refused.headers.get('x-request-id'), 'req-refused-1');
  assert.match(failed.headers.get('x-request-id')!, UUID);
  assert.match(missing.headers.get('x-request-id')!, UUID);
  assert.deepEqual(
    observed.map((o) => [o.method, o.route, o.status]),
    [
      ['GET', '/api/items/:id', 401],
      ['GET', '/api/fail', 500],
      ['GET', 'unmatched', 404],
    ],
  );
  assert.deepEqual(
    lines.map((line) => [line.route, line.status]),
    [
      ['/api/items/:id', 401],
      ['/api/fail', 500],
      ['unmatched', 404],
    ],
  );
  assert.doesNotMatch(JSON.stringify(lines), /secret-id|one-time-token-value/);
});

test('outside a request no request id is added', async () => {
  const { lines } = buildApp();
  const logContext = createLogContext();
  const chunks: string[] = [];
  const log = createLogger({
    destination: new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) }),
    context: logContext,
  });
  log.info('before');
  logContext.run({ requestId: 'r-1234567' }, () => log.info('during'));
  log.info('after');
  assert.deepEqual(
    chunks.map((c) => JSON.parse(c) as { msg: string; requestId?: string }).map((l) => [l.msg, l.requestId]),
    [
      ['before', undefined],
      ['during', 'r-1234567'],
      ['after', undefined],
    ],
  );
  assert.equal(lines.length, 0);
});
