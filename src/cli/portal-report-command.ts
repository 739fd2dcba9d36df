import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { crossReference, formatCrossReferenceCsv, type CrossReference } from '../portal/cross-reference.ts';
import { openStore } from '../store/database.ts';
import { createPortalRepository } from '../store/portal-repository.ts';
import {
  addPortalSessionOptions,
  createClientFromFlags,
  parseCount,
  type PortalSessionFlags,
} from './portal-session-options.ts';

/** `chartbridge portal report`: the portal's activated organisations against the endpoint directory. */
export function registerPortalReportCommand(portal: Command): void {
  const command = portal
    .command('report')
    .description('cross-reference activated organisations with the directory (csv, json or a summary)');
  addPortalSessionOptions(command)
    .addOption(
      new Option('--format <format>', 'output format').choices(['summary', 'csv', 'json']).default('summary'),
    )
    .option('--out <path>', 'write the csv or json to this file instead of stdout')
    .action(async (flags: PortalSessionFlags & { format: 'summary' | 'csv' | 'json'; out?: string }) => {
      const client = createClientFromFlags(flags);
      const downloads = await client.loadAllDownloads(
        flags.appId,
        Math.max(1, parseCount(flags.pageSize, '--page-size')),
      );
      const store = openStore(loadConfig().databaseUrl);
      let report: CrossReference;
      try {
        report = crossReference(downloads, await createPortalRepository(store.db).listEpicEndpoints());
      } finally {
        await store.close();
      }
      const text =
        flags.format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : flags.format === 'csv'
            ? formatCrossReferenceCsv(report)
            : summarize(report);
      if (flags.out) writeFileSync(flags.out, text);
      else process.stdout.write(text);
    });
}

function summarize(report: CrossReference): string {
  const byReason = (reason: string) =>
    report.endpointsNotActivated.filter((row) => row.reason === reason).length;
  return [
    `activated organisations:              ${report.activated}`,
    `directory epic endpoints:             ${report.endpoints}`,
    `activated without a directory endpoint: ${report.activatedWithoutEndpoint.length}`,
    `endpoints not activated:              ${report.endpointsNotActivated.length}`,
    `  waiting for activation (0 or 3):    ${byReason('not-activated')}`,
    `  org id not in the portal list:      ${byReason('not-in-portal')}`,
    `  no portal org id in the directory:  ${byReason('no-portal-org-id')}`,
    '(--format csv or --format json for the lists)',
    '',
  ].join('\n');
}
