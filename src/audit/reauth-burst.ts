import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditRepository } from '../store/audit-repository.ts';
import { SIGNATURE_HEADER, signWebhook, type WebhookTarget } from '../sync/webhook.ts';

/** The audit action of the alert; the operator overview lists the recent ones. */
export const REAUTH_BURST_ACTION = 'operator.reauth_burst';

/** What the alert says (audit detail and webhook alike): counts only, no connection or patient. */
export interface ReauthBurst {
  count: number;
  threshold: number;
  windowMinutes: number;
}

export interface ReauthBurstDeps {
  repos: { audit: AuditRepository };
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
  /** CHARTBRIDGE_WEBHOOK_URL/SECRET; without them the alert is audited and logged only. */
  webhook: WebhookTarget | undefined;
}

/**
 * Many patients losing their grant at once is the EHR's or our registration's problem, not theirs (a rotated key
 * not yet fetched, a changed client id, an EHR-side revocation): one alert — an audit event the operator overview
 * shows, a log line and a signed `operator.reauth_burst` webhook — when `count` connections turned `needs_reauth`
 * within `windowMs`. Events already reported by a previous alert are not counted again, so a long outage raises
 * one alert per fresh burst, not one per tick. Callers run it one process at a time (a lease).
 */
export async function checkReauthBurst(
  deps: ReauthBurstDeps,
  settings: { count: number; windowMs: number },
): Promise<ReauthBurst | null> {
  if (settings.count <= 0) return null;
  const now = deps.clock.now();
  const windowStart = now - settings.windowMs;
  const [last] = await deps.repos.audit.query({ action: REAUTH_BURST_ACTION, since: windowStart, limit: 1 });
  const from = last ? Math.max(windowStart, Number(last.at) + 1) : windowStart;
  const count = await deps.repos.audit.countSince('connection.needs_reauth', from);
  if (count < settings.count) return null;
  const burst = { count, threshold: settings.count, windowMinutes: Math.round(settings.windowMs / 60_000) };
  await deps.repos.audit.record(
    { actor: 'scheduler', action: REAUTH_BURST_ACTION, detail: { ...burst } },
    now,
  );
  deps.log.error(burst, 'many connections need the patient again: check keys, client ids and the EHR');
  if (deps.webhook) await sendBurstWebhook(deps, deps.webhook, burst);
  return burst;
}

/** Signed like every chartbridge webhook; best effort, one attempt (the audit event is the record). */
async function sendBurstWebhook(deps: ReauthBurstDeps, target: WebhookTarget, burst: ReauthBurst) {
  const body = JSON.stringify({
    type: REAUTH_BURST_ACTION,
    ...burst,
    at: new Date(deps.clock.now()).toISOString(),
  });
  try {
    const response = await deps.fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(body, target.secret, deps.clock.now()),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) deps.log.warn({ status: response.status }, 'alert webhook answered with an error');
  } catch (error) {
    deps.log.warn({ errorName: (error as Error)?.name }, 'alert webhook delivery failed');
  }
}

/** The re-authorisation burst alerts of the last 24 hours, newest first (a handful at most): /operator shows them. */
export async function listRecentReauthBursts(deps: {
  repos: { audit: AuditRepository };
  clock: Clock;
}): Promise<Array<{ at: number; count: number; windowMinutes: number }>> {
  const since = deps.clock.now() - 86_400_000;
  const rows = await deps.repos.audit.query({ action: REAUTH_BURST_ACTION, since, limit: 5 });
  return rows.reverse().map((row) => {
    const detail = JSON.parse(row.detail) as { count: number; windowMinutes: number };
    return { at: Number(row.at), count: detail.count, windowMinutes: detail.windowMinutes };
  });
}
