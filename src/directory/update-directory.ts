import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectoryImportLogRepository } from '../store/directory-import-log-repository.ts';
import { downloadDirectory } from './download-directory.ts';
import {
  importDirectory,
  type DirectoryDeps,
  type ImportInput,
  type ImportReport,
} from './import-directory.ts';

export type UpdateResult =
  | ({ status: 'imported'; bytes: number } & ImportReport)
  | { status: 'unchanged'; bytes: number; contentHash: string };

/**
 * Downloads a published directory and imports it, unless its content hash equals the last successful import of
 * the same URL (`skipUnchanged`, what the scheduled `directory update` does). The download lands in a temp file so
 * the import streams from disk and a broken connection never reaches the database.
 */
export async function importDirectoryFromUrl(
  deps: DirectoryDeps & { fetch: typeof fetch },
  input: Omit<ImportInput, 'chunks' | 'location'> & {
    url: string;
    skipUnchanged?: boolean;
    onDownloadProgress?: (progress: { bytes: number; totalBytes: number | undefined }) => void;
  },
): Promise<UpdateResult> {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-directory-'));
  try {
    const path = join(dir, 'directory.json');
    const download = await downloadDirectory({
      fetch: deps.fetch,
      url: input.url,
      path,
      allowLoopback: input.allowLoopback,
      onProgress: input.onDownloadProgress,
    });
    const log = createDirectoryImportLogRepository(deps.db);
    const last = input.skipUnchanged ? await log.findLastSucceeded(input.url) : undefined;
    if (last?.content_hash === download.sha256) {
      await recordUnchanged(deps, input.url, last.source, download.sha256);
      return { status: 'unchanged', bytes: download.bytes, contentHash: download.sha256 };
    }
    const { url, skipUnchanged: _skip, onDownloadProgress: _progress, ...options } = input;
    const report = await importDirectory(deps, { ...options, location: url, chunks: createReadStream(path) });
    return { status: 'imported', bytes: download.bytes, ...report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recordUnchanged(
  deps: DirectoryDeps,
  url: string,
  source: string,
  hash: string,
): Promise<void> {
  const log = createDirectoryImportLogRepository(deps.db);
  const id = crypto.randomUUID();
  await log.start({ id, source, location: url, now: deps.clock.now() });
  await log.finish({
    id,
    status: 'unchanged',
    contentHash: hash,
    counts: {},
    diff: {},
    error: null,
    now: deps.clock.now(),
  });
  deps.log.info({ url: new URL(url).origin, source }, 'directory unchanged since the last import');
}
