import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ChartbridgeError } from '../errors.ts';
import { isLoopbackUrl } from '../smart/oauth-options.ts';

export interface DownloadResult {
  bytes: number;
  sha256: string;
}

/** Epic's bundle is ~95 MB; anything far beyond that is not a directory. */
export const MAX_DIRECTORY_BYTES = 1_000_000_000;

/**
 * Downloads a directory file to `path` while hashing it, so an unchanged file (Epic sends no ETag or
 * Last-Modified) is recognised by its content. https only, plain http for loopback only when allowed.
 */
export async function downloadDirectory(input: {
  fetch: typeof fetch;
  url: string;
  path: string;
  allowLoopback?: boolean;
  timeoutMs?: number;
  onProgress?: (progress: { bytes: number; totalBytes: number | undefined }) => void;
}): Promise<DownloadResult> {
  const url = checkDirectoryUrl(input.url, input.allowLoopback ?? false);
  let response: Response;
  try {
    response = await input.fetch(url, {
      signal: AbortSignal.timeout(input.timeoutMs ?? 10 * 60_000),
      redirect: 'follow',
    });
  } catch (error) {
    throw new ChartbridgeError(
      'ERR_DIRECTORY_INVALID',
      `could not download the directory from ${url.origin}: ${reason(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ChartbridgeError(
      'ERR_DIRECTORY_INVALID',
      `the directory download from ${url.origin} answered http ${response.status}`,
    );
  }
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  return writeBody(response.body, input.path, (bytes) => input.onProgress?.({ bytes, totalBytes }));
}

async function writeBody(body: ReadableStream<Uint8Array>, path: string, onBytes: (bytes: number) => void) {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  let bytes = 0;
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > MAX_DIRECTORY_BYTES) {
        throw new ChartbridgeError(
          'ERR_SIZE_LIMIT',
          `the directory download is larger than ${MAX_DIRECTORY_BYTES} bytes`,
        );
      }
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      onBytes(bytes);
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function checkDirectoryUrl(value: string, allowLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChartbridgeError('ERR_INVALID_INPUT', 'the directory url is not a valid url');
  }
  if (url.username || url.password) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      'the directory url must not contain a user name or password',
    );
  }
  const loopback = url.protocol === 'http:' && allowLoopback && isLoopbackUrl(url.href);
  if (url.protocol !== 'https:' && !loopback) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `the directory url must use https (got ${url.protocol.replace(':', '')})`,
    );
  }
  return url;
}

function reason(error: unknown): string {
  return (error as Error)?.name === 'TimeoutError' ? 'timed out' : 'unreachable';
}
