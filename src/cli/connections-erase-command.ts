import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';
import { withCliServices } from './cli-services.ts';
import { checkId } from './connections-command.ts';

/** `chartbridge connections erase <id> [--yes] [--json]`: revoke, then delete everything copied for a connection. */
export function registerConnectionsEraseCommand(group: Command): void {
  group
    .command('erase <connectionId>')
    .description(
      'revoke the grant at the EHR (retried by the worker while it is down), then delete every resource, binary and run of the connection',
    )
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { yes?: boolean; json?: boolean }) => {
      checkId(id);
      // Loaded for this action only, so registering it keeps `connections list` light.
      const { eraseConnection } = await import('../connect/erase-connection.ts');
      await withCliServices(async (services) => {
        await assertEncryptionKeyOpens(services);
        const row = await services.repos.connections.findById(id);
        if (!row)
          throw new ChartbridgeError(
            'ERR_NOT_FOUND',
            `connection '${id}' not found; list them with 'chartbridge connections list'`,
          );
        if (!options.yes && !(await confirm(id))) {
          throw new ChartbridgeError(
            'ERR_CONFLICT',
            `erase of connection '${id}' not confirmed; nothing was changed (answer 'yes', or pass --yes)`,
          );
        }
        const result = await eraseConnection(services, id, 'operator');
        if (options.json) return console.log(JSON.stringify(result, null, 2));
        console.log(
          `erased connection '${id}': ${result.resources} resources, ${result.binaries} binaries, ${result.runs} runs deleted; revocation at the EHR ${result.revocation.replace('_', ' ')}`,
        );
      });
    });
}

/** Asks on stderr (stdout stays clean for --json); only `yes` or `y` goes ahead, a closed stdin is a no. */
async function confirm(id: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([
      prompt.question(
        `erase every resource, binary and run of connection '${id}' and revoke its grant? type yes to go on: `,
      ),
      closed,
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
