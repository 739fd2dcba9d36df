import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { keyError, signingAlgs } from './key-material.ts';

/**
 * The keys directory: one PKCS#8 PEM per key (`<kid>.pem`, mode 0600) and `keys.json` with the public facts
 * (kid, alg, status, times). The private key never goes into JSON. The directory is created 0700.
 */
export const metadataFileName = 'keys.json';
const lockFileName = '.keys.lock';

const keyRecordSchema = z.object({
  kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  alg: z.enum(signingAlgs as [string, ...string[]]),
  status: z.enum(['active', 'published', 'retired']),
  createdAt: z.number().int().nonnegative(),
  /** When it last started signing; absent for a key published ahead of use. */
  activatedAt: z.number().int().nonnegative().optional(),
  /** When it stopped signing; retiring waits until assertions it signed have expired. */
  deactivatedAt: z.number().int().nonnegative().optional(),
});

const keyIndexSchema = z.object({ version: z.literal(1), keys: z.array(keyRecordSchema) });

export type KeyRecord = z.infer<typeof keyRecordSchema> & { alg: (typeof signingAlgs)[number] };

export function keyFilePath(dir: string, kid: string): string {
  return path.join(dir, `${kid}.pem`);
}

/** The raw text of keys.json (undefined when absent): a cheap version stamp for reloading. */
export async function readKeyIndexText(dir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, metadataFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The records of a keys directory, or undefined when it holds no keys yet. */
export async function readKeyIndex(dir: string): Promise<KeyRecord[] | undefined> {
  const file = path.join(dir, metadataFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError(
      `cannot read '${file}': give the chartbridge user read access to the keys directory`,
      error,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw keyError(`'${file}' is not valid JSON: restore it from a backup or regenerate the keys`, cause);
  }
  const parsed = keyIndexSchema.safeParse(json);
  if (!parsed.success) {
    throw keyError(
      `'${file}' is not a chartbridge key list: restore it from a backup or regenerate the keys`,
    );
  }
  return parsed.data.keys as KeyRecord[];
}

/** Replaces keys.json atomically (write a temp file, then rename), so a crash never leaves half a list. */
export async function writeKeyIndex(dir: string, records: KeyRecord[]): Promise<void> {
  const file = path.join(dir, metadataFileName);
  const temp = `${file}.${process.pid}.tmp`;
  const body = `${JSON.stringify({ version: 1, keys: records }, null, 2)}\n`;
  try {
    await writeFile(temp, body, { mode: 0o600, flag: 'w' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Reads one key file after checking that nobody but its owner can read it (case 12). The mode is taken
 * from the open handle, so the file checked is the file read.
 */
export async function readKeyFile(file: string): Promise<string> {
  const unreadable = (error: unknown) =>
    keyError(`cannot read key file '${file}': give the chartbridge user read access (chmod 600)`, error);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw keyError(
        `key file '${file}' is missing: restore it from a backup, or retire its kid and rotate`,
        error,
      );
    }
    throw unreadable(error);
  }
  try {
    const { mode } = await handle.stat();
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      throw keyError(
        `key file '${file}' is readable by group or others (mode ${octal}): run chmod 600 '${file}'`,
      );
    }
    return await handle.readFile('utf8');
  } catch (error) {
    throw isChartbridgeError(error) ? error : unreadable(error);
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a keys directory others could write to: whoever can add files there can publish their own key in our
 * JWKS and sign as us.
 */
export async function assertPrivateDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = (await stat(dir)).mode;
  } catch {
    return; // a missing directory is reported by the caller with the fix for that
  }
  if ((mode & 0o022) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw keyError(
      `keys directory '${dir}' is writable by group or others (mode ${octal}): run chmod 700 '${dir}'`,
    );
  }
}

/** Writes a new key file, owner-only, refusing to overwrite anything. */
export async function writeKeyFile(file: string, pem: string): Promise<void> {
  await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  // The mode given to writeFile passes through the umask; set it explicitly so it is exactly 0600.
  await chmod(file, 0o600);
}

/**
 * Runs `fn` while holding an exclusive lock file in `dir`, so two `keys` commands never interleave their
 * read-modify-write of keys.json. Creates the directory (0700) if needed.
 */
export async function withKeysLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw keyError(
      `cannot create the keys directory '${dir}' (${(error as NodeJS.ErrnoException).code}): choose a writable directory with --dir or CHARTBRIDGE_KEYS_DIR`,
      error,
    );
  }
  const lock = path.join(dir, lockFileName);
  let handle;
  try {
    handle = await open(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ChartbridgeError(
        'ERR_CONFLICT',
        `another keys command is running on '${dir}'; if none is, remove '${lock}' and retry`,
      );
    }
    throw error;
  }
  try {
    return await fn();
  } finally {
    await handle.close();
    await rm(lock, { force: true });
  }
}
