import { closeSync, createWriteStream, existsSync, fchmodSync, openSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { checkParentFolder } from '../config/folder-paths.ts';
import { ChartbridgeError } from '../errors.ts';
import { createBinariesRepository } from '../store/binaries-repository.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { recordExportEnd, recordExportStart } from '../audit/phi-reads.ts';
import { createExportTally, EXPORT_FORMATS, streamExport, type ExportFormat } from '../sync/export-stream.ts';
import { withCliServices } from './cli-services.ts';
import { isSafeId, SAFE_ID_CHARACTERS } from '../store/safe-ids.ts';

/** `chartbridge export <connection> --format ndjson|bundle [--output file]`: the stored record, streamed. */
export function registerExportCommand(program: Command): Command {
  return program
    .command('export <connectionId>')
    .description("write a connection's stored record as NDJSON or a FHIR Bundle (stdout unless --output)")
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(' or ')}`)
    .option('--output <file>', 'write to this file (created 0600) instead of stdout')
    .option('--force', 'overwrite the --output file when it exists')
    .option(
      '--no-attachments',
      'leave out the stored attachments (by default they follow as Binary resources)',
    )
    .action(
      async (
        id: string,
        options: { format: string; output?: string; force?: boolean; attachments: boolean },
      ) => {
        if (!EXPORT_FORMATS.includes(options.format as ExportFormat)) {
          throw new ChartbridgeError(
            'ERR_INVALID_INPUT',
            `unknown --format '${options.format.slice(0, 20)}'; use ndjson or bundle`,
          );
        }
        if (!isSafeId(id)) {
          throw new ChartbridgeError(
            'ERR_INVALID_INPUT',
            `invalid connection id '${id.slice(0, 40)}': use ${SAFE_ID_CHARACTERS}`,
          );
        }
        if (options.output) checkParentFolder(options.output, '--output');
        if (options.output && !options.force && existsSync(options.output))
          throw outputExistsError(options.output);
        await withCliServices(async (services) => {
          const connection = await services.repos.connections.findById(id);
          if (!connection)
            throw new ChartbridgeError(
              'ERR_NOT_FOUND',
              `connection '${id}' not found; list them with 'chartbridge connections list'`,
            );
          const format = options.format as ExportFormat;
          const reader = {
            actor: 'cli' as const,
            connectionId: id,
            userId: connection.user_id,
            via: `export --format ${format}${options.output ? ' --output' : ''}`,
          };
          // Before the first byte (and before the file exists): an export that cannot be audited is refused.
          await recordExportStart(services, reader);
          const out: Writable = options.output
            ? createWriteStream('', { fd: openOwnerOnly(options.output, options.force === true) })
            : process.stdout;
          let bytes = 0;
          const source = {
            resources: createResourcesRepository(services.store.db),
            binaries: createBinariesRepository(services.store.db),
            fhirBase: connection.fhir_base,
          };
          const tally = createExportTally();
          let complete = false;
          try {
            for await (const chunk of streamExport(source, id, format, {
              attachments: options.attachments,
              tally,
            })) {
              bytes += chunk.length;
              if (!out.write(chunk)) await once(out, 'drain');
            }
            if (options.output) {
              out.end();
              await once(out, 'finish');
            }
            complete = true;
          } finally {
            // The export's second row, failed or cut short included (issue 14, point 5).
            await recordExportEnd(services, reader, { tally, complete });
          }
          process.stderr.write(`exported connection '${id}' as ${options.format} (${bytes} bytes)\n`);
        });
      },
    );
}

/** The export is the patient's whole record: owner-only (0600), and an existing file only with --force. */
function openOwnerOnly(path: string, force: boolean): number {
  let fd: number;
  try {
    fd = openSync(path, force ? 'w' : 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw outputExistsError(path);
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `cannot write output file '${path.slice(0, 200)}': ${code}`,
    );
  }
  try {
    // An overwritten file keeps its old mode through open(): tighten it before the first byte is written.
    fchmodSync(fd, 0o600);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

function outputExistsError(path: string): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_INVALID_INPUT',
    `output file '${path.slice(0, 200)}' already exists; pass --force to overwrite it`,
  );
}
