import type { Command } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import type { SyncSummary } from '../sync/run-sync.ts';
import { withCliServices } from './cli-services.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';
import { isSafeId, SAFE_ID_CHARACTERS } from '../store/safe-ids.ts';

/**
 * `chartbridge connections sync <id>`: one sync run in this process, with a progress bar on stderr, under the
 * connection's sync lease (refused while a worker syncs it).
 */
export function registerConnectionsSyncCommand(group: Command): Command {
  return group
    .command('sync <connectionId>')
    .description('pull the record now (resumes an interrupted sync from its checkpoint)')
    .option('--full', 're-read everything and remove resources that vanished at the EHR')
    .option('--json', 'print the run summary as JSON')
    .action(async (id: string, options: { full?: boolean; json?: boolean }) => {
      if (!isSafeId(id)) {
        throw new ChartbridgeError(
          'ERR_INVALID_INPUT',
          `invalid connection id '${id.slice(0, 40)}': use ${SAFE_ID_CHARACTERS}`,
        );
      }
      // The sync engine and the progress bar load for this action only, so `connections list` stays light.
      const [{ default: cliProgress }, { withManualSyncLease }, { runSync, SyncRunError }] =
        await Promise.all([
          import('cli-progress'),
          import('../jobs/manual-sync-lease.ts'),
          import('../sync/run-sync.ts'),
        ]);
      await withCliServices(async (services) => {
        await assertEncryptionKeyOpens(services);
        const bar = new cliProgress.SingleBar(
          {
            format: 'sync [{bar}] {value}/{total} queries | {resources} resources | {pages} pages | {phase}',
            noTTYOutput: true,
            notTTYSchedule: 2000,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1, 0, { resources: 0, pages: 0, phase: 'planning' });
        let summary: SyncSummary;
        try {
          summary = await withManualSyncLease(services, id, ({ fence, signal }) =>
            runSync({
              services,
              connectionId: id,
              full: options.full ?? false,
              fence,
              signal,
              onProgress: (p) => {
                bar.setTotal(Math.max(p.queriesTotal, 1));
                bar.update(p.queriesDone, { resources: p.resources, pages: p.pages, phase: p.phase });
              },
            }),
          );
        } catch (error) {
          bar.stop();
          if (error instanceof SyncRunError) printSummary(error.summary, options.json ?? false);
          throw error;
        }
        bar.stop();
        printSummary(summary, options.json ?? false);
      });
    });
}

function printSummary(summary: SyncSummary, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  console.log(
    `sync of connection '${summary.connectionId}' ${summary.status}: ${summary.resources} resources in ${summary.pages} pages (run ${summary.runId}${summary.resumed ? ', resumed' : ''})`,
  );
  for (const query of summary.queries) {
    if (query.status === 'failed' || query.status === 'not_available')
      console.log(`  ${query.key}: ${query.status} — ${query.reason}`);
  }
  if (summary.dropped > 0) {
    console.log(`  ${summary.dropped} received but not stored:`);
    for (const { reason, count } of summary.dropReasons) console.log(`    ${count} ${reason}`);
  }
}
