import type { TickDeps } from './schedule-settings.ts';

/**
 * Plans refresh-ahead jobs: each gets a start at a random point of [expiry − ahead − jitter, expiry − ahead],
 * stored in its schedule row until the release step queues it. Batch by batch (one query and one upsert each)
 * until none is left or `budgetMs` has passed: 100,000 tokens expiring together are planned in one or two ticks
 * (case 45).
 */
export async function planRefreshes(deps: TickDeps, budgetMs: number): Promise<void> {
  const { settings, clock } = deps;
  const until = clock.now() + budgetMs;
  let after: { accessExpiresAt: number; id: string } | undefined;
  for (;;) {
    const now = clock.now();
    const due = await deps.schedules.listRefreshDue(
      now + settings.refreshAheadMs + settings.refreshJitterMs + settings.horizonMs,
      // A plan queued an hour ago whose token is unchanged was lost or failed: plan it again.
      now - 3_600_000,
      settings.batchSize,
      after,
    );
    await deps.schedules.saveRefreshPlans(
      due.map((row) => {
        const target =
          row.access_expires_at - settings.refreshAheadMs - deps.random() * settings.refreshJitterMs;
        return {
          connectionId: row.id,
          tokenVersion: row.token_version,
          startAt: Math.max(now, Math.round(target)),
        };
      }),
    );
    if (due.length < settings.batchSize || clock.now() >= until) return;
    const last = due.at(-1)!;
    after = { accessExpiresAt: last.access_expires_at, id: last.id };
  }
}

/**
 * Gives each active connection without one its re-sync schedule: the first re-sync one interval (plus a random
 * spread) after its last sync, or now for one that never synced (a safety net when nothing queued its first sync
 * at connect time). Later periods advance when each is queued (release step).
 */
export async function planResyncs(deps: TickDeps, budgetMs: number): Promise<void> {
  const { settings, clock } = deps;
  const until = clock.now() + budgetMs;
  let afterId: string | undefined;
  for (;;) {
    const now = clock.now();
    const rows = await deps.schedules.listSyncUnscheduled(settings.batchSize, afterId);
    await deps.schedules.advanceSyncs(
      rows.map((row) => ({
        connectionId: row.id,
        previous: null,
        next: row.never_synced
          ? now
          : row.base_at + settings.resyncIntervalMs + Math.round(deps.random() * settings.resyncJitterMs),
      })),
    );
    if (rows.length < settings.batchSize || clock.now() >= until) return;
    afterId = rows.at(-1)!.id;
  }
}
