import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log/logger.ts';
import { createAuditRepository } from '../../store/audit-repository.ts';
import type { Store } from '../../store/database.ts';
import { createNoticeRepository } from '../../store/jobs-notices.ts';

/** A notice about a connection that needs the patient back. Ids and times only: no tokens, no patient data. */
export interface NoticeEvent {
  type: 'connection.needs_reauth' | 'connection.access_ending';
  connectionId: string;
  userId: string;
  /** ISO time the persistent access ends, for `access_ending`. */
  accessEndsAt?: string;
}

/** Delivers a notice; resolves with a short status for the notices table (never throws). */
export type NoticeSender = (event: NoticeEvent) => Promise<string>;

/**
 * Posts notices to the operator's webhook as JSON, signed like Stripe's: `X-Chartbridge-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with CHARTBRIDGE_WEBHOOK_SECRET, when one is set.
 */
export function createWebhookNoticeSender(input: {
  url: string | undefined;
  secret: string | undefined;
  fetch: typeof fetch;
  clock: Clock;
}): NoticeSender {
  return async (event) => {
    if (!input.url) return 'not configured';
    const body = JSON.stringify(event);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (input.secret) {
      const t = Math.floor(input.clock.now() / 1000);
      const v1 = createHmac('sha256', input.secret).update(`${t}.${body}`).digest('hex');
      headers['x-chartbridge-signature'] = `t=${t},v1=${v1}`;
    }
    try {
      const response = await input.fetch(input.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? `delivered ${response.status}` : `rejected ${response.status}`;
    } catch {
      return 'unreachable';
    }
  };
}

/**
 * Sends each due notice once across all processes (the notices row is claimed before anything goes out): an
 * audit event and a webhook when a connection needs re-authorisation or its persistent access ends soon.
 */
export async function sendDueNotices(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  notify: NoticeSender;
  settings: { noticeAheadMs: number; batchSize: number };
}): Promise<number> {
  const now = deps.clock.now();
  const audit = createAuditRepository(deps.store.db);
  const notices = createNoticeRepository(deps.store.db);
  const reauth = await notices.listNeedsReauthWithoutNotice(deps.settings.batchSize);
  const ending = await notices.listAccessEndingWithoutNotice(
    now,
    now + deps.settings.noticeAheadMs,
    deps.settings.batchSize,
  );
  const due = [
    ...reauth.map((row) => ({ row, kind: 'needs_reauth' as const })),
    ...ending.map((row) => ({ row, kind: 'access_ending' as const })),
  ];
  let sent = 0;
  for (const { row, kind } of due) {
    if (!(await notices.claimNotice(row.id, kind, row.period_key, now))) continue;
    const accessEndsAt =
      kind === 'access_ending' && row.persistent_access_ends_at !== null
        ? new Date(row.persistent_access_ends_at).toISOString()
        : undefined;
    await audit.record(
      {
        actor: 'scheduler',
        action: `notice.${kind}`,
        connectionId: row.id,
        userId: row.user_id,
        detail: accessEndsAt ? { accessEndsAt } : {},
      },
      now,
    );
    const status = await deps.notify({
      type: kind === 'needs_reauth' ? 'connection.needs_reauth' : 'connection.access_ending',
      connectionId: row.id,
      userId: row.user_id,
      ...(accessEndsAt ? { accessEndsAt } : {}),
    });
    await notices.setNoticeStatus(row.id, kind, row.period_key, status);
    sent += 1;
  }
  return sent;
}
