import { createReadStream, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import { importDirectory, type ImportInput } from '../directory/import-directory.ts';
import { withDirectoryDeps } from './directory-cli-deps.ts';
import { importDirectoryFromUrl } from '../directory/update-directory.ts';
import { createProgress, printImport, printJson } from './directory-output.ts';
import { registerDirectoryGenerateCommand } from './directory-generate-command.ts';
import { registerDirectoryQueryCommands } from './directory-query-command.ts';

interface ImportOptions {
  source?: string;
  force?: boolean;
  allowLoopback?: boolean;
  vendor?: 'epic' | 'generic';
  environment?: 'production' | 'non-production';
  json?: boolean;
}

/** `chartbridge directory …` — the endpoint directory: import, update, add, search, stats, check, generate. */
export function registerDirectoryCommand(program: Command): Command {
  const group = program
    .command('directory')
    .description('endpoint directory: import, update, add, search, stats');
  addImportOptions(
    group
      .command('import <fileOrUrl>')
      .description(
        'import a SMART Brands bundle or Epic Endpoint bundle; swaps in only after a clean import',
      ),
  ).action((location: string, options: ImportOptions) => runImport(location, options));
  addImportOptions(
    group
      .command('update')
      .description('download the directory from CHARTBRIDGE_DIRECTORY_URL (or --url); skipped when unchanged')
      .option('--url <url>', 'directory URL instead of CHARTBRIDGE_DIRECTORY_URL'),
  ).action((options: ImportOptions & { url?: string }) => runUpdate(options));
  registerDirectoryQueryCommands(group);
  registerDirectoryGenerateCommand(group);
  return group;
}

function addImportOptions(command: Command): Command {
  return command
    .option('--source <name>', 'publisher name; an import replaces only this source (default: from the file)')
    .option('--force', 'accept a drop of more than 20% of the endpoints')
    .option('--allow-loopback', 'accept plain-http endpoints on 127.0.0.1/localhost (the local sandbox)')
    .addOption(
      new Option('--vendor <vendor>', 'vendor of the imported endpoints')
        .choices(['epic', 'generic'])
        .default('epic'),
    )
    .addOption(
      new Option('--environment <env>', 'environment of the imported endpoints')
        .choices(['production', 'non-production'])
        .default('production'),
    )
    .option('--json', 'print the import report as JSON');
}

function importInput(options: ImportOptions): Omit<ImportInput, 'chunks' | 'location'> {
  if (options.source !== undefined && !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(options.source)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      "invalid --source: use 1-63 lower-case letters, digits, '.', '_' or '-'",
    );
  }
  return {
    source: options.source,
    force: options.force ?? false,
    allowLoopback: options.allowLoopback ?? false,
    vendor: options.vendor,
    environment: options.environment,
  };
}

async function runImport(location: string, options: ImportOptions): Promise<void> {
  const input = importInput(options);
  await withDirectoryDeps(async (deps) => {
    if (/^https?:\/\//i.test(location)) {
      const progress = createProgress('download', 'bytes');
      const result = await importDirectoryFromUrl(deps, {
        ...input,
        url: location,
        onDownloadProgress: progress.bytes,
      });
      progress.stop();
      if (result.status === 'imported') printImport(result, options.json);
      return;
    }
    const totalBytes = fileSize(location);
    const progress = createProgress('import', 'bytes');
    let read = 0;
    const chunks = createReadStream(location).on('data', (chunk) => {
      read += chunk.length;
      progress.bytes({ bytes: read, totalBytes });
    });
    const report = await importDirectory(deps, { ...input, location, chunks });
    progress.stop();
    printImport(report, options.json);
  });
}

async function runUpdate(options: ImportOptions & { url?: string }): Promise<void> {
  const input = importInput(options);
  await withDirectoryDeps(async (deps) => {
    const url = options.url ?? deps.config.directoryUrl;
    if (!url) {
      throw new ChartbridgeError(
        'ERR_INVALID_INPUT',
        'no directory url: set CHARTBRIDGE_DIRECTORY_URL or pass --url',
      );
    }
    const progress = createProgress('download', 'bytes');
    const result = await importDirectoryFromUrl(deps, {
      ...input,
      url,
      skipUnchanged: !options.force,
      onDownloadProgress: progress.bytes,
    });
    progress.stop();
    if (result.status === 'imported') return printImport(result, options.json);
    if (options.json) return printJson(result);
    console.log(
      `directory unchanged (sha256 ${result.contentHash.slice(0, 12)}…, ${result.bytes} bytes): nothing to do`,
    );
  });
}

function fileSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a file');
    return stat.size;
  } catch {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `cannot read '${path}': give a directory file or an https url`,
    );
  }
}
