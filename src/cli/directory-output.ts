import cliProgress from 'cli-progress';
import type { ImportReport } from '../directory/import-directory.ts';

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Progress on stderr while a terminal watches; silent in scripts (stdout stays for results). */
export function createProgress(label: string, unit: string) {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% {value}/{total} ${unit}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  return {
    bytes: ({ bytes, totalBytes }: { bytes: number; totalBytes: number | undefined }) => {
      if (!bar) return;
      if (!started) bar.start(totalBytes ?? bytes, 0);
      started = true;
      if (totalBytes === undefined) bar.setTotal(bytes);
      bar.update(bytes);
    },
    stop: () => {
      if (started) bar?.stop();
    },
  };
}

export function printImport(report: ImportReport, json: boolean | undefined): void {
  if (json) return printJson(report);
  const { counts, diff } = report;
  console.log(
    `imported '${report.source}': ${counts.organizations} organisations (${counts.brands} brands, ` +
      `${counts.facilities} facilities), ${counts.endpoints} endpoints`,
  );
  const skipped = { ...counts.skippedEndpoints };
  if (Object.keys(skipped).length) console.log(`skipped endpoints: ${formatCounts(skipped)}`);
  if (Object.keys(counts.skippedEntries).length)
    console.log(`skipped entries: ${formatCounts(counts.skippedEntries)}`);
  if (counts.brokenReferences) console.log(`broken references skipped: ${counts.brokenReferences}`);
  if (counts.organizationsWithoutEndpoint) {
    console.log(
      `organisations without an endpoint (not offered in search): ${counts.organizationsWithoutEndpoint}`,
    );
  }
  console.log(
    `changes: ${diff.added} added, ${diff.removed} removed, ${diff.renamed} renamed, ${diff.moved} moved; ` +
      `endpoints ${diff.endpointsAdded} added, ${diff.endpointsRemoved} removed`,
  );
  for (const [kind, names] of Object.entries(diff.examples)) {
    for (const name of names) console.log(`  ${kind}: ${name}`);
  }
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}
