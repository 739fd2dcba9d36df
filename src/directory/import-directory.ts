import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Database } from '../store/schema.ts';
import { createDirectoryImportLogRepository } from '../store/directory-import-log-repository.ts';
import {
  createDirectoryStagingRepository,
  type DirectoryStagingRepository,
} from '../store/directory-staging-repository.ts';
import { createDirectorySwapRepository } from '../store/directory-swap-repository.ts';
import { readBundleItems } from './bundle-entry-stream.ts';
import { stageBundleItems } from './stage-bundle-items.ts';
import type { DirectoryDiff, ImportCounts } from '../store/directory-records.ts';

export interface DirectoryDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
}

export interface ImportInput {
  /** File path or URL, recorded in the import log. */
  location: string;
  chunks: AsyncIterable<Buffer | Uint8Array | string>;
  /** Which publisher this is; an import replaces only its own source. Default: detected from the first entry. */
  source?: string;
  /** Accept a drop of more than 20% of the source's endpoints. */
  force?: boolean;
  /** Accept plain-http loopback endpoints (the local sandbox); never on for published directories. */
  allowLoopback?: boolean;
  vendor?: 'epic' | 'generic';
  environment?: 'production' | 'non-production';
  onProgress?: (progress: { entries: number }) => void;
}

export interface ImportReport {
  importId: string;
  source: string;
  contentHash: string;
  counts: ImportCounts;
  diff: DirectoryDiff;
}

/** The largest share of a source's endpoints an import may drop without `--force`. */
export const MAX_ENDPOINT_DROP = 0.2;

/**
 * Imports a directory bundle: stream into staging, resolve references, check the sanity gates, then swap into the
 * live tables in one transaction. Any failure before the swap leaves the live directory exactly as it was
 * (case 13) and is recorded in the import log with its reason.
 */
export async function importDirectory(deps: DirectoryDeps, input: ImportInput): Promise<ImportReport> {
  const importId = randomUUID();
  const log = createDirectoryImportLogRepository(deps.db);
  const staging = createDirectoryStagingRepository(deps.db);
  const now = () => deps.clock.now();
  await log.start({ id: importId, source: input.source ?? 'pending', location: input.location, now: now() });
  const state: { source: string | undefined } = { source: input.source };
  try {
    const report = await stageCheckAndSwap(deps, staging, importId, input, state);
    const { source, contentHash, counts, diff } = report;
    await log.finish({
      id: importId,
      status: 'succeeded',
      source,
      contentHash,
      counts,
      diff,
      error: null,
      now: now(),
    });
    deps.log.info({ importId, source, counts, diff }, 'directory import swapped in');
    return report;
  } catch (error) {
    const status = isChartbridgeError(error, 'ERR_DIRECTORY_GATE') ? 'refused' : 'failed';
    const message = isChartbridgeError(error) ? error.message : 'unexpected error';
    const { source } = state;
    await log.finish({
      id: importId,
      status,
      source,
      contentHash: null,
      counts: {},
      diff: {},
      error: message,
      now: now(),
    });
    deps.log.warn({ importId, source, status, reason: message }, 'directory import not applied');
    throw error;
  } finally {
    await staging.discard(importId);
  }
}

async function stageCheckAndSwap(
  deps: DirectoryDeps,
  staging: DirectoryStagingRepository,
  importId: string,
  input: ImportInput,
  state: { source: string | undefined },
): Promise<ImportReport> {
  const hash = createHash('sha256');
  const items = readBundleItems(hashChunks(input.chunks, hash));
  const staged = await stageBundleItems(staging, importId, items, {
    source: input.source,
    allowLoopback: input.allowLoopback ?? false,
    onProgress: input.onProgress,
  });
  const source = (state.source = staged.source);
  await staging.resolveReferences(importId);
  const counts = staged.toCounts(await staging.summarize(importId));
  await checkGates(deps, source, counts, input.force ?? false);
  const diff = await createDirectorySwapRepository(deps.db).swapIn({
    importId,
    source,
    vendor: input.vendor ?? 'epic',
    environment: input.environment ?? 'production',
    now: deps.clock.now(),
  });
  return { importId, source, contentHash: hash.digest('hex'), counts, diff };
}

async function* hashChunks(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  hash: ReturnType<typeof createHash>,
) {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

async function checkGates(
  deps: DirectoryDeps,
  source: string,
  counts: ImportCounts,
  force: boolean,
): Promise<void> {
  if (counts.endpoints === 0) {
    throw new ChartbridgeError(
      'ERR_DIRECTORY_GATE',
      'the directory file has no usable endpoints: check that it is a SMART Brands or Epic Endpoint bundle',
    );
  }
  const live = await createDirectorySwapRepository(deps.db).countLiveEndpoints(source);
  if (!force && live > 0 && counts.endpoints < live * (1 - MAX_ENDPOINT_DROP)) {
    throw new ChartbridgeError(
      'ERR_DIRECTORY_GATE',
      `the new directory has ${counts.endpoints} endpoints where '${source}' has ${live} (a drop of more than ` +
        `${MAX_ENDPOINT_DROP * 100}%): the current directory stays; run again with --force if this is expected`,
    );
  }
}
