import type { Command } from 'commander';
import { systemClock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import { parseCountFlag } from '../jobs/worker-settings.ts';
import type { AuditRow } from '../store/audit-repository.ts';
import { withCliStore } from './cli-services.ts';
import { isSafeId, SAFE_ID_CHARACTERS } from '../store/safe-ids.ts';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `chartbridge audit [--connection id] [--since 24h|ISO] [--action phi.*] [--limit n] [--json]`: the audit trail,
 * oldest first — who read patient data, disconnects, erasures, alerts. Rows hold ids, counts and codes, no PHI.
 */
export function registerAuditCommand(program: Command): Command {
  return program
    .command('audit')
    .description('list audit events: reads of patient data, disconnects, erasures, alerts (no patient data)')
    .option('--connection <connectionId>', 'only events of this connection')
    .option('--since <time>', 'only events since an ISO time or a duration ago (30m, 24h, 7d)')
    .option('--action <action>', 'only this action (phi.export), or a prefix ending in * (phi.*)')
    .option('--limit <n>', 'the newest n events (default 1000)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (flags: {
        connection?: string;
        since?: string;
        action?: string;
        limit?: string;
        json?: boolean;
      }) => {
        if (flags.connection !== undefined && !isSafeId(flags.connection))
          throw invalid(`invalid --connection '${flags.connection.slice(0, 40)}': use ${SAFE_ID_CHARACTERS}`);
        if (flags.action !== undefined && !/^[a-z_.]{1,64}\*?$/.test(flags.action))
          throw invalid(
            `invalid --action '${flags.action.slice(0, 40)}': e.g. phi.export, or phi.* for a prefix`,
          );
        const limit = parseCountFlag('--limit', flags.limit) ?? 1000;
        const since = flags.since === undefined ? undefined : parseAuditSince(flags.since, systemClock.now());
        // Rows only: the store alone, without keys, OAuth or the job queue.
        await withCliStore(async ({ repos }) => {
          const rows = await repos.audit.query({
            connectionId: flags.connection,
            since,
            action: flags.action,
            limit,
          });
          const events = rows.map(toEventJson);
          if (flags.json) return void console.log(JSON.stringify(events, null, 2));
          if (events.length === 0) return void console.log('no audit events');
          for (const e of events) {
            const who = `${e.actor}${e.connectionId ? `  connection ${e.connectionId}` : ''}`;
            console.log(`${e.at}  ${e.action}  ${who}  ${JSON.stringify(e.detail)}`);
          }
        });
      },
    );
}

function toEventJson(row: AuditRow) {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    actor: row.actor,
    action: row.action,
    connectionId: row.connection_id,
    userId: row.user_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/** `--since`: an ISO date or time, or a duration back from now (`90m`, `24h`, `7d`). */
export function parseAuditSince(value: string, now: number): number {
  const relative = /^(\d{1,6})([mhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at))
    throw invalid(
      `invalid --since '${value.slice(0, 40)}': use an ISO time (2026-01-31T12:00Z) or 30m, 24h, 7d`,
    );
  return at;
}

function invalid(message: string): ChartbridgeError {
  return new ChartbridgeError('ERR_INVALID_INPUT', message);
}
