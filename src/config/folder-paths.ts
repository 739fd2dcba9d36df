import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ChartbridgeError, type ChartbridgeErrorCode } from '../errors.ts';

/**
 * Path problems the operator can fix, as one line naming the setting and the path instead of an ENOTDIR stack:
 * `what` is how the operator gave the path (`--data`, `CHARTBRIDGE_DATABASE_URL`, `--output`).
 */
export function ensureFolder(
  folder: string,
  what: string,
  code: ChartbridgeErrorCode = 'ERR_INVALID_INPUT',
): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    const blocker = findFileInPath(folder);
    if (blocker) {
      throw new ChartbridgeError(
        code,
        `${what}: '${folder}' cannot be a folder because '${blocker}' is a file; choose another path`,
      );
    }
    const reason = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ChartbridgeError(
      code,
      `${what}: cannot create folder '${folder}' (${reason}); check the path and its permissions`,
    );
  }
}

/** A file about to be written: its folder must exist already (we do not invent folders from a typo). */
export function checkParentFolder(file: string, what: string): void {
  const folder = dirname(resolve(file));
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `${what} '${file}': folder '${dirname(file)}' does not exist; create it first or choose another path`,
    );
  }
}

/** The nearest ancestor of `path` (or `path` itself) that exists and is not a folder. */
function findFileInPath(path: string): string | undefined {
  let current = resolve(path);
  for (;;) {
    try {
      return statSync(current).isDirectory() ? undefined : current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}
