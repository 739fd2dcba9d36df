import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import { startInProcessWorker } from '../../jobs/start-worker.ts';
import type { WorkerRuntime } from '../../jobs/worker-process.ts';
import type { DialectName } from '../../store/database.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { createSyncRunsRepository } from '../../store/sync-runs-repository.ts';
import { testDialects } from '../../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import type { TestBrowser } from '../../testing/test-browser.ts';
import { createSyncProgressHub, type SyncEvent } from './sync-progress-hub.ts';

interface StreamedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream until `stopAt` says so or the server ends it. */
async function readEvents(
  response: Response,
  stopAt: (e: StreamedEvent) => boolean,
): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = {
        event: readField(block, 'event') ?? 'message',
        data: JSON.parse(readField(block, 'data') ?? '{}') as Record<string, unknown>,
      };
      events.push(event);
      if (stopAt(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

function readField(block: string, name: string): string | undefined {
  return block
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.slice(name.length + 1)
    .trim();
}

for (const dialect of testDialects) describeProgress(dialect);

function describeProgress(dialect: DialectName): void {
  describe(`the progress page follows the worker's sync (${dialect})`, () => {
    let app: ConnectedApp;
    let owner: TestBrowser;
    let connectionId: string;
    let worker: WorkerRuntime | undefined;

    before(async () => {
      app = await startConnectedApp({ dialect });
      const secret = createRandomToken();
      connectionId = await app.connectPatient(`browser-${hashSecret(secret).slice(0, 24)}`);
      owner = app.newBrowser();
      owner.cookies.set('cb_user', secret);
    });
    after(async () => {
      await worker?.stop();
      await app?.close();
    });

    const hospitalOf = async (id: string) => {
      const connection = await app.services.repos.connections.findById(id);
      return (await app.services.repos.endpoints.findEndpointById(connection!.endpoint_id))!.name;
    };
    const fhirRequests = () => app.sandbox.requestLog.entries().filter((e) => e.url.includes('/api/FHIR/'));
    const runsOf = () => createSyncRunsRepository(app.services.store.db).listRuns(connectionId, 10);

    it('waits while no worker has started the queued first sync, and watching starts none', async () => {
      const before = fhirRequests().length;
      const events = await readEvents(
        await owner.get(`${app.url}/my/connections/${connectionId}/events`),
        (e) => e.event === 'waiting',
      );
      assert.deepEqual(
        events.map((e) => e.event),
        ['waiting'],
      );
      assert.equal((await runsOf()).length, 0);
      assert.equal(fhirRequests().length, before);
    });

    it('streams the worker run to its end, with the counts the run recorded', async () => {
      worker = await startInProcessWorker(app.services, { schedule: false });
      const events = await readEvents(
        await owner.get(`${app.url}/my/connections/${connectionId}/events`),
        (e) => e.event === 'done',
      );
      const runs = await runsOf();
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.status, 'succeeded');
      const done = events.at(-1)!;
      assert.deepEqual(done, {
        event: 'done',
        data: {
          type: 'done',
          status: 'succeeded',
          heading: `Your record from ${await hospitalOf(connectionId)} is up to date`,
          message: `Your record is up to date: ${runs[0]!.resources} items read.`,
        },
      });
      let resources = 0;
      for (const progress of events.filter((e) => e.event === 'progress')) {
        assert.equal(progress.data.queriesTotal, runs[0]!.queries_total);
        assert.ok(Number(progress.data.queriesDone) <= runs[0]!.queries_total);
        assert.ok(Number(progress.data.resources) >= resources, 'counts only grow');
        resources = Number(progress.data.resources);
      }
      assert.ok(runs[0]!.queries_total > 10, `${runs[0]!.queries_total} searches planned`);
    });

    it('"Update now" queues a sync, and the page follows the new run rather than the finished one', async () => {
      const [first] = await runsOf();
      await owner.get(`${app.url}/my`);
      const queued = await owner.post(`${app.url}/my/connections/${connectionId}/sync`, {
        csrf: owner.cookies.get('cb_csrf')!,
      });
      assert.equal(queued.status, 303);
      const location = queued.headers.get('location')!;
      assert.equal(location, `/my/connections/${connectionId}/progress?after=${first!.id}`);
      const page = await (await owner.get(`${app.url}${location}`)).text();
      assert.ok(page.includes(`data-events="/my/connections/${connectionId}/events?after=${first!.id}"`));
      const events = await readEvents(
        await owner.get(`${app.url}/my/connections/${connectionId}/events?after=${first!.id}`),
        (e) => e.event === 'done',
      );
      const runs = await runsOf();
      assert.equal(runs.length, 2);
      assert.notEqual(runs[0]!.id, first!.id);
      assert.equal(runs[0]!.full, 0);
      assert.equal(events.at(-1)!.data.status, 'succeeded');
      const forged = await owner.post(`${app.url}/my/connections/${connectionId}/sync`, {
        csrf: 'x'.repeat(43),
      });
      assert.equal(forged.status, 403);
    });

    it('the page the connect flow opens follows the first sync, not one queued after it', async () => {
      // Two finished runs now: the first full sync and the incremental one "Update now" queued after it.
      const [newest, first] = await runsOf();
      assert.notEqual(
        Number(newest!.resources),
        Number(first!.resources),
        'the two runs read different counts',
      );
      const events = await readEvents(
        await owner.get(`${app.url}/my/connections/${connectionId}/events`),
        (e) => e.event === 'done',
      );
      const kept = [
        ...(await createResourcesRepository(app.services.store.db).countByType(connectionId)).values(),
      ].reduce((a, b) => a + b, 0);
      const read = Number(first!.resources);
      const heading = `Your record from ${await hospitalOf(connectionId)} is up to date`;
      const message =
        read === kept
          ? `Your record is up to date: ${read.toLocaleString('en-US')} items read.`
          : `Your record is up to date: ${read.toLocaleString('en-US')} items read this time, ${kept.toLocaleString('en-US')} kept in all.`;
      assert.deepEqual(events.at(-1)!.data, { type: 'done', status: 'succeeded', heading, message });
      // Opened after the run ended, the page says so from the start: no "Updating", no "you can leave".
      const page = await (await owner.get(`${app.url}/my/connections/${connectionId}/progress`)).text();
      assert.ok(
        page.includes(`<h1 data-progress-heading="true">${heading}</h1>`),
        'the heading says it ended',
      );
      assert.ok(page.includes(`role="status">${message}</p>`), 'it says what the run read in total');
      assert.ok(!page.includes('Updating your record from'));
      assert.ok(/<p class="muted" data-progress-leave(="true")? hidden/.test(page), 'no "you can leave"');
    });

    it('tells the patient the record will come later when no worker starts it in time', async () => {
      await worker?.stop();
      worker = undefined;
      const other = await app.connectPatient('browser-without-worker', { orgId: 'org-b' });
      const hub = createSyncProgressHub(app.services, { pollMs: 10, waitMs: 100 });
      const events: SyncEvent[] = [];
      await new Promise<void>((resolve) => {
        hub.watch(other, (event) => {
          events.push(event);
          if (event.type === 'done') resolve();
        });
      });
      assert.deepEqual(events, [
        { type: 'waiting' },
        {
          type: 'done',
          status: 'queued',
          heading: `${await hospitalOf(other)} is connected`,
          message:
            'Your hospital is connected. Your record will be read in the background; come back in a few minutes.',
        },
      ]);
      // A connection that cannot sync until the patient signs in again says so at once.
      await app.services.repos.connections.setStatus(other, 'key_error', 'test', 0);
      const last = await new Promise<SyncEvent>((resolve) => {
        hub.watch(other, (event) => resolve(event));
      });
      assert.deepEqual(last, {
        type: 'done',
        status: 'needs_reauth',
        heading: `Sign in to ${await hospitalOf(other)} again`,
        message: 'Your hospital needs you to sign in again.',
      });
    });
  });
}
