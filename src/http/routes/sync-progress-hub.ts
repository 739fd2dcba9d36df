import type { Services } from '../../services.ts';
import { createResourcesRepository, type ResourcesRepository } from '../../store/resources-repository.ts';
import {
  createSyncRunsRepository,
  type SyncRunRow,
  type SyncRunsRepository,
} from '../../store/sync-runs-repository.ts';
import { progressOf } from '../../sync/run-progress.ts';
import type { SyncProgress } from '../../sync/sync-context.ts';
import { findFollowedRun } from '../../store/followed-run.ts';

export type SyncEvent =
  | { type: 'waiting' }
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'done'; status: string; message: string };

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
        emit(follower, queuedEvent);
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

/** Where the followed sync stands: not started yet, running, or finished. */
async function readEvent(
  { services, runs, resources }: HubReaders,
  connectionId: string,
  afterRunId: string | undefined,
): Promise<SyncEvent> {
  const connection = await services.repos.connections.findById(connectionId);
  if (connection?.status === 'revoked') return disconnectedEvent;
  // The statuses "My hospitals" offers Reconnect for: no sync can run until the patient signs in again.
  if (connection && connection.status !== 'active') return needsReauthEvent;
  const run = await findFollowedRun(services.store.db, connectionId, afterRunId);
  if (run?.status === 'running') {
    const states = await runs.listQueryStates(run.id);
    return { type: 'progress', progress: progressOf(run, states) };
  }
  if (run && FINISHED.has(run.status)) {
    const kept = [...(await resources.countByType(connectionId)).values()].reduce((a, b) => a + b, 0);
    return describeRun(run, kept);
  }
  // No run yet, or one waiting for its retry: the queued job has not (re)started.
  return { type: 'waiting' };
}

/** The end of the run, with what it read and, when that differs, how much the record from this hospital holds. */
function describeRun(run: SyncRunRow, kept: number): SyncEvent {
  const read = Number(run.resources);
  const items = countItems(read);
  if (run.status === 'succeeded')
    return {
      type: 'done',
      status: 'succeeded',
      message:
        read === kept
          ? `Your record is up to date: ${items} read.`
          : `Your record is up to date: ${items} read this time, ${countItems(kept)} kept in all.`,
    };
  if (run.status === 'partial')
    return {
      type: 'done',
      status: 'partial',
      message: `Most of your record arrived (${items}); some parts could not be read this time.`,
    };
  return {
    type: 'done',
    status: 'failed',
    message: 'The update did not finish this time; chartbridge will try again later.',
  };
}

const COUNT = new Intl.NumberFormat('en-US');

function countItems(n: number): string {
  return `${COUNT.format(n)} item${n === 1 ? '' : 's'}`;
}

const needsReauthEvent: SyncEvent = {
  type: 'done',
  status: 'needs_reauth',
  message: 'Your hospital needs you to sign in again.',
};

const disconnectedEvent: SyncEvent = {
  type: 'done',
  status: 'revoked',
  message: 'This hospital is disconnected; connect it again to update your record.',
};

const queuedEvent: SyncEvent = {
  type: 'done',
  status: 'queued',
  message:
    'Your hospital is connected. Your record will be read in the background; come back in a few minutes.',
};
