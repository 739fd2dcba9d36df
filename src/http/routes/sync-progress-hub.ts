import { isChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { runSync, type SyncSummary } from '../../sync/run-sync.ts';
import type { SyncProgress } from '../../sync/sync-context.ts';

export type SyncEvent =
  { type: 'progress'; progress: SyncProgress } | { type: 'done'; status: string; message: string };

export interface SyncProgressHub {
  /** Streams the connection's sync to `listener`, starting one unless this process already runs it. */
  watch(connectionId: string, listener: (event: SyncEvent) => void): () => void;
}

interface Running {
  listeners: Set<(event: SyncEvent) => void>;
  last?: SyncProgress;
}

/**
 * One in-process sync per connection however many tabs watch it: the first watcher starts it, later ones join
 * and get the latest progress at once; everyone gets the same final event.
 */
export function createSyncProgressHub(services: Services): SyncProgressHub {
  const running = new Map<string, Running>();
  const start = (connectionId: string, entry: Running) => {
    const emit = (event: SyncEvent) => {
      for (const listener of entry.listeners) listener(event);
    };
    runSync({
      services,
      connectionId,
      onProgress: (progress) => {
        entry.last = { ...progress };
        emit({ type: 'progress', progress: entry.last });
      },
    })
      .then((summary) => emit(describeSummary(summary)))
      .catch((error: unknown) => {
        services.log.warn(
          { connectionId, errorCode: codeOf(error) },
          'browser-started sync ended without success',
        );
        emit(describeFailure(error));
      })
      .finally(() => running.delete(connectionId));
  };
  return {
    watch(connectionId, listener) {
      let entry = running.get(connectionId);
      const fresh = !entry;
      if (!entry) {
        entry = { listeners: new Set() };
        running.set(connectionId, entry);
      }
      entry.listeners.add(listener);
      if (entry.last) listener({ type: 'progress', progress: entry.last });
      if (fresh) start(connectionId, entry);
      const joined = entry;
      return () => joined.listeners.delete(listener);
    },
  };
}

function describeSummary(summary: SyncSummary): SyncEvent {
  const items = `${summary.resources} item${summary.resources === 1 ? '' : 's'}`;
  return summary.status === 'succeeded'
    ? { type: 'done', status: 'succeeded', message: `Your record is up to date: ${items} read.` }
    : {
        type: 'done',
        status: summary.status,
        message: `Most of your record arrived (${items}); some parts could not be read this time.`,
      };
}

function describeFailure(error: unknown): SyncEvent {
  if (
    isChartbridgeError(error, 'ERR_CONNECTION_INACTIVE') ||
    isChartbridgeError(error, 'ERR_FHIR_REAUTH_REQUIRED')
  )
    return { type: 'done', status: 'needs_reauth', message: 'Your hospital needs you to sign in again.' };
  return {
    type: 'done',
    status: 'failed',
    message: 'The update did not finish this time; chartbridge will try again later.',
  };
}

function codeOf(error: unknown): string {
  return isChartbridgeError(error) ? error.code : 'ERR_UNEXPECTED';
}
