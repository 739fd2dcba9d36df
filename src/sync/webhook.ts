import { createHmac } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { SyncSummary } from './finish-run.ts';

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** Same scheme and header as the jobs' notices, so one receiver verifies both. */
export const SIGNATURE_HEADER = 'x-chartbridge-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the shared secret and
 * rejects old timestamps, so a captured delivery cannot be replayed later.
 */
export function signWebhook(body: string, secret: string, atMs: number): string {
  const timestamp = Math.floor(atMs / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** Builds the payload: ids, counts and statuses only — never resources, tokens or patient data. */
export function buildSyncWebhookBody(summary: SyncSummary): string {
  return JSON.stringify({
    type: 'sync.completed',
    connectionId: summary.connectionId,
    runId: summary.runId,
    status: summary.status,
    reason: summary.reason,
    full: summary.full,
    resources: summary.resources,
    pages: summary.pages,
    dropped: summary.dropped,
    dropReasons: summary.dropReasons,
    finishedAt: new Date(summary.finishedAt).toISOString(),
    queries: summary.queries.map((q) => ({
      key: q.key,
      status: q.status,
      resources: q.resources,
      dropped: q.dropped,
    })),
  });
}

/** Best effort, one attempt with a short timeout: a failing receiver never fails the sync it reports. */
export async function sendSyncWebhook(
  deps: { target: WebhookTarget; fetch: typeof fetch; clock: Clock; log: Logger },
  summary: SyncSummary,
): Promise<boolean> {
  const body = buildSyncWebhookBody(summary);
  try {
    const response = await deps.fetch(deps.target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(body, deps.target.secret, deps.clock.now()),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok)
      deps.log.warn({ status: response.status, runId: summary.runId }, 'sync webhook answered with an error');
    return response.ok;
  } catch (error) {
    deps.log.warn({ err: error, runId: summary.runId }, 'sync webhook delivery failed');
    return false;
  }
}
