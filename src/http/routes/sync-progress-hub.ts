import type { Services } from '../../services.ts';
import { createResourcesRepository, type ResourcesRepository } from '../../store/resources-repository.ts';
import {
  createSyncRunsRepository,
  type SyncRunRow,
  type SyncRunsRepository,
} from '../../store/sync-runs-repository.ts';
import { progressOf, type SyncEvent } from '../../sync/run-progress.ts';
import { findFollowedRun } from '../../store/followed-run.ts';

export type { SyncEvent };

export interface SyncProgressHub {
  /**
   * Streams the progress of the sync the patient started, as a worker runs it, to `listener`; returns `stop`:
   * the connection's first run, or with `afterRunId` (the newest run when an update was asked for) the first run
   * after it (followed-run.ts).
   */
  watch(connectionId: string, listener: (event: SyncEvent) => void, afterRunId?: string): () => void;
}

export interface SyncProgressHubOptions {
  /** How often the database is read while someone watches (default 500 ms). */
  pollMs?: number;
  /** How long to wait for a worker to start the sync before telling the patient it will come later (2 min). */
  waitMs?: number;
}

interface Follower {
  listeners: Set<(event: SyncEvent) => void>;
  last?: SyncEvent;
  stopped: boolean;
}

const FINISHED = new Set<SyncRunRow['status']>(['succeeded', 'partial', 'failed', 'cancelled']);

/**
 * Follows a connection's sync from the database: the connect flow queues the first sync and a worker runs it, so
 * the progress page only watches (one reader per connection however many tabs are open). Nothing here starts a
 * sync, so a page left open never doubles the worker's requests to the hospital.
 */
export function createSyncProgressHub(
  services: Services,
  options: SyncProgressHubOptions = {},
): SyncProgressHub {
  const pollMs = options.pollMs ?? 500;
  const waitMs = options.waitMs ?? 120_000;
  const followers = new Map<string, Follower>();
  const runs = createSyncRunsRepository(services.store.db);
  const resources = createResourcesRepository(services.store.db);

  async function follow(
    key: string,
    connectionId: string,
    afterRunId: string | undefined,
    follower: Follower,
  ) {
    const giveUpAt = performance.now() + waitMs;
    let previous = '';
    while (!follower.stopped) {
      const event = await readEvent({ services, runs, resources }, connectionId, afterRunId).catch(
        () => undefined,
      );
      if (event?.type === 'waiting' && performance.now() > giveUpAt) {
        emit(follower, queuedEvent(await hospitalOf(services, connectionId).catch(() => YOUR_HOSPITAL)));
        break;
      }
      const text = JSON.stringify(event);
      if (event && text !== previous) emit(follower, event);
      previous = text;
      if (event?.type === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    if (followers.get(key) === follower) followers.delete(key);
  }

  return {
    watch(connectionId, listener, afterRunId) {
      const key = `${connectionId}/${afterRunId ?? ''}`;
      let follower = followers.get(key);
      if (!follower || follower.stopped) {
        follower = { listeners: new Set(), stopped: false };
        followers.set(key, follower);
        void follow(key, connectionId, afterRunId, follower);
      }
      follower.listeners.add(listener);
      if (follower.last) listener(follower.last);
      const joined = follower;
      return () => {
        joined.listeners.delete(listener);
        if (joined.listeners.size === 0) joined.stopped = true;
      };
    },
  };
}

function emit(follower: Follower, event: SyncEvent): void {
  follower.last = event;
  for (const listener of follower.listeners) listener(event);
}

interface HubReaders {
  services: Services;
  runs: SyncRunsRepository;
  resources: ResourcesRepository;
}

/**
 * Where the sync a progress page follows stands right now, as the page first shows it (so it is right without
 * script, and never says "Updating" about a run that already ended).
 */
export function readSyncEvent(
  services: Services,
  connectionId: string,
  afterRunId: string | undefined,
): Promise<SyncEvent> {
  const readers = {
    services,
    runs: createSyncRunsRepository(services.store.db),
    resources: createResourcesRepository(services.store.db),
  };
  return readEvent(readers, connectionId, afterRunId);
}

/** Where the followed sync stands: not started yet, running, or finished. */
async function readEvent(
  { services, runs, resources }: HubReaders,
  connectionId: string,
  afterRunId: string | undefined,
): Promise<SyncEvent> {
  const connection = await services.repos.connections.findById(connectionId);
  const hospital = () => hospitalOf(services, connectionId);
  if (connection?.status === 'revoked') return disconnectedEvent(await hospital());
  // The statuses "My hospitals" offers Reconnect for: no sync can run until the patient signs in again.
  if (connection && connection.status !== 'active') return needsReauthEvent(await hospital());
  const run = await findFollowedRun(services.store.db, connectionId, afterRunId);
  if (run?.status === 'running') {
    const states = await runs.listQueryStates(run.id);
    return { type: 'progress', progress: progressOf(run, states) };
  }
  if (run && FINISHED.has(run.status)) {
    const kept = [...(await resources.countByType(connectionId)).values()].reduce((a, b) => a + b, 0);
    return describeRun(run, kept, await hospital());
  }
  // No run yet, or one waiting for its retry: the queued job has not (re)started.
  return { type: 'waiting' };
}

const YOUR_HOSPITAL = 'your hospital';

/** The hospital's name as the directory has it, for the page's heading. */
async function hospitalOf(services: Services, connectionId: string): Promise<string> {
  const connection = await services.repos.connections.findById(connectionId);
  const endpoint = connection && (await services.repos.endpoints.findEndpointById(connection.endpoint_id));
  return endpoint?.name ?? YOUR_HOSPITAL;
}

/**
 * The end of the run, with what it read in total and, when that differs, how much the record from this hospital
 * holds; the heading replaces "Updating your record" once the run is over.
 */
function describeRun(run: SyncRunRow, kept: number, hospital: string): SyncEvent {
  const read = Number(run.resources);
  const items = countItems(read);
  if (run.status === 'succeeded')
    return {
      type: 'done',
      status: 'succeeded',
      heading: `Your record from ${hospital} is up to date`,
      message:
        read === kept
          ? `Your record is up to date: ${items} read.`
          : `Your record is up to date: ${items} read this time, ${countItems(kept)} kept in all.`,
    };
  if (run.status === 'partial')
    return {
      type: 'done',
      status: 'partial',
      heading: `Your record from ${hospital} is partly updated`,
      message: `Most of your record arrived (${items}); some parts could not be read this time.`,
    };
  return {
    type: 'done',
    status: 'failed',
    heading: `The update from ${hospital} did not finish`,
    message: 'The update did not finish this time; chartbridge will try again later.',
  };
}

const COUNT = new Intl.NumberFormat('en-US');

function countItems(n: number): string {
  return `${COUNT.format(n)} item${n === 1 ? '' : 's'}`;
}

const needsReauthEvent = (hospital: string): SyncEvent => ({
  type: 'done',
  status: 'needs_reauth',
  heading: `Sign in to ${hospital} again`,
  message: 'Your hospital needs you to sign in again.',
});

const disconnectedEvent = (hospital: string): SyncEvent => ({
  type: 'done',
  status: 'revoked',
  heading: `${hospital} is disconnected`,
  message: 'This hospital is disconnected; connect it again to update your record.',
});

const queuedEvent = (hospital: string): SyncEvent => ({
  type: 'done',
  status: 'queued',
  heading: `${hospital} is connected`,
  message:
    'Your hospital is connected. Your record will be read in the background; come back in a few minutes.',
});
