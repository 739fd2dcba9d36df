import type { Services } from '../../services.ts';
import {
  createSyncRunsRepository,
  type SyncRunRow,
  type SyncRunsRepository,
} from '../../store/sync-runs-repository.ts';
import { progressOf } from '../../sync/run-progress.ts';
import type { SyncProgress } from '../../sync/sync-context.ts';

export type SyncEvent =
  | { type: 'waiting' }
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'done'; status: string; message: string };

export interface SyncProgressHub {
  /**
   * Streams the progress of the connection's sync, as a worker runs it, to `listener`; returns `stop`. With
   * `afterRunId` (the newest run when an update was asked for), that run counts only while it is still running.
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

  async function follow(
    key: string,
    connectionId: string,
    afterRunId: string | undefined,
    follower: Follower,
  ) {
    const giveUpAt = performance.now() + waitMs;
    let previous = '';
    while (!follower.stopped) {
      const event = await readEvent(services, runs, connectionId, afterRunId).catch(() => undefined);
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

/** Where the connection's newest sync stands: not started yet, running, or finished. */
async function readEvent(
  services: Services,
  runs: SyncRunsRepository,
  connectionId: string,
  afterRunId: string | undefined,
): Promise<SyncEvent> {
  const connection = await services.repos.connections.findById(connectionId);
  if (connection?.status === 'revoked') return disconnectedEvent;
  // The statuses "My hospitals" offers Reconnect for: no sync can run until the patient signs in again.
  if (connection && connection.status !== 'active') return needsReauthEvent;
  const [run] = await runs.listRuns(connectionId, 1);
  if (run && run.id === afterRunId && run.status !== 'running') return { type: 'waiting' };
  if (run?.status === 'running') {
    const states = await runs.listQueryStates(run.id);
    return { type: 'progress', progress: progressOf(run, states) };
  }
  if (run && FINISHED.has(run.status)) return describeRun(run);
  // No run yet, or one waiting for its retry: the queued job has not (re)started.
  return { type: 'waiting' };
}

function describeRun(run: SyncRunRow): SyncEvent {
  const items = `${run.resources} item${run.resources === 1 ? '' : 's'}`;
  if (run.status === 'succeeded')
    return { type: 'done', status: 'succeeded', message: `Your record is up to date: ${items} read.` };
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
