import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { checkParentFolder } from '../config/folder-paths.ts';
import { ChartbridgeError } from '../errors.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { EXPORT_FORMATS, streamExport, type ExportFormat } from '../sync/export-stream.ts';
import { withCliServices } from './cli-services.ts';

/** `chartbridge export <connection> --format ndjson|bundle [--output file]`: the stored record, streamed. */
export function registerExportCommand(program: Command): Command {
  return program
    .command('export <connectionId>')
    .description("write a connection's stored record as NDJSON or a FHIR Bundle (stdout unless --output)")
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(' or ')}`)
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (id: string, options: { format: string; output?: string }) => {
      if (!EXPORT_FORMATS.includes(options.format as ExportFormat)) {
        throw new ChartbridgeError(
          'ERR_INVALID_INPUT',
          `unknown --format '${options.format.slice(0, 20)}'; use ndjson or bundle`,
        );
      }
      if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(id)) {
        throw new ChartbridgeError(
          'ERR_INVALID_INPUT',
          `invalid connection id '${id.slice(0, 40)}': use letters, digits and . _ : @ -`,
        );
      }
      if (options.output) checkParentFolder(options.output, '--output');
      await withCliServices(async (services) => {
        const connection = await services.repos.connections.findById(id);
        if (!connection)
          throw new ChartbridgeError(
            'ERR_NOT_FOUND',
            `connection '${id}' not found; list them with 'chartbridge connections list'`,
            { status: 404 },
          );
        const out: Writable = options.output ? createWriteStream(options.output) : process.stdout;
        let bytes = 0;
        for await (const chunk of streamExport(
          createResourcesRepository(services.store.db),
          id,
          options.format as ExportFormat,
        )) {
          bytes += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
        }
        if (options.output) {
          out.end();
          await once(out, 'finish');
        }
        process.stderr.write(`exported connection '${id}' as ${options.format} (${bytes} bytes)\n`);
      });
    });
}
