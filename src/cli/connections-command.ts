import type { Command } from 'commander';
import { toConnectionJson, type ConnectionJson } from '../connect/connection-view.ts';
import { ChartbridgeError } from '../errors.ts';
import type { ConnectionStatus } from '../store/schema.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';
import { withCliServices, withCliStore } from './cli-services.ts';
import { registerConnectionsEraseCommand } from './connections-erase-command.ts';
import { registerConnectionsSyncCommand } from './connections-sync-command.ts';
import { isSafeId, SAFE_ID_CHARACTERS } from '../store/safe-ids.ts';

const STATUSES: ConnectionStatus[] = ['active', 'needs_reauth', 'revoked', 'error', 'key_error'];

/** `chartbridge connections list|show|refresh|disconnect|erase|sync` — the operator's view of patient connections. */
export function registerConnectionsCommand(program: Command): Command {
  const group = program.command('connections').description('operator view of patient connections');
  registerList(group);
  registerShow(group);
  registerRefresh(group);
  registerDisconnect(group);
  registerConnectionsEraseCommand(group);
  registerConnectionsSyncCommand(group);
  return group;
}

function registerList(group: Command): void {
  group
    .command('list')
    .description('list connections (no tokens, no patient data beyond ids)')
    .option('--user <userId>', 'only this user')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--json', 'print JSON for scripts')
    .action(async (options: { user?: string; status?: string; json?: boolean }) => {
      if (options.status && !STATUSES.includes(options.status as ConnectionStatus)) {
        throw new ChartbridgeError(
          'ERR_INVALID_INPUT',
          `unknown --status '${options.status}'; use one of ${STATUSES.join(', ')}`,
        );
      }
      await withCliStore(async ({ repos }) => {
        const rows = options.user
          ? await repos.connections.listByUser(checkId(options.user))
          : await repos.connections.listAll();
        const list = rows.filter((r) => !options.status || r.status === options.status).map(toConnectionJson);
        if (options.json) return printJson(list);
        if (list.length === 0) return console.log('no connections');
        for (const c of list) console.log(formatLine(c));
      });
    });
}

function registerShow(group: Command): void {
  group
    .command('show <connectionId>')
    .description('show one connection')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { json?: boolean }) => {
      await withCliStore(async ({ repos }) => {
        const row = await repos.connections.findById(checkId(id));
        if (!row)
          throw new ChartbridgeError(
            'ERR_NOT_FOUND',
            `connection '${id}' not found; list them with 'chartbridge connections list'`,
          );
        const view = toConnectionJson(row);
        if (options.json) return printJson(view);
        for (const [key, value] of Object.entries(view))
          console.log(`${key.padEnd(24)} ${Array.isArray(value) ? value.join(' ') : String(value)}`);
      });
    });
}

function registerRefresh(group: Command): void {
  group
    .command('refresh <connectionId>')
    .description(
      'refresh the access token now (rotates the refresh token; one refresh at a time across processes)',
    )
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { json?: boolean }) => {
      await withCliServices(async (services) => {
        await assertEncryptionKeyOpens(services);
        const summary = await services.vault.refreshNow(checkId(id));
        const view = {
          connectionId: summary.connectionId,
          tokenVersion: summary.tokenVersion,
          accessExpiresAt: iso(summary.accessExpiresAt),
        };
        if (options.json) return printJson(view);
        console.log(
          `refreshed connection '${id}': token version ${view.tokenVersion}, access token valid until ${view.accessExpiresAt}`,
        );
      });
    });
}

function registerDisconnect(group: Command): void {
  group
    .command('disconnect <connectionId>')
    .description('revoke the grant at the EHR and delete the stored tokens')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { json?: boolean }) => {
      // Revocation needs the OAuth client: loaded for this action only (`list` stays light).
      const { disconnectConnection } = await import('../connect/disconnect.ts');
      await withCliServices(async (services) => {
        await assertEncryptionKeyOpens(services);
        const result = await disconnectConnection(services, checkId(id), 'operator');
        if (options.json) return printJson(result);
        console.log(
          `disconnected connection '${id}': revocation at the EHR ${result.revocation.replace('_', ' ')}; local tokens deleted`,
        );
      });
    });
}

export function checkId(id: string): string {
  if (!isSafeId(id)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid connection or user id '${id.slice(0, 40)}': use ${SAFE_ID_CHARACTERS}`,
    );
  }
  return id;
}

function formatLine(c: ConnectionJson): string {
  return [
    c.id,
    c.status.padEnd(12),
    c.userId,
    c.fhirBase,
    c.refreshable ? 'refreshable' : 'not-refreshable',
  ].join('  ');
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
