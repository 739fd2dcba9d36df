import path from 'node:path';
import { Option, type Command } from 'commander';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import { generateKey, listKeyRecords, retireKey, rotateKeys } from '../keys/key-admin.ts';
import type { KeyRecord } from '../keys/key-files.ts';
import { signingAlgs, type SigningAlg } from '../keys/key-material.ts';
import { loadKeyStore } from '../keys/key-store.ts';
import { registerResealCommand } from './keys-reseal-command.ts';

/** Where `keys` commands work when neither --dir nor CHARTBRIDGE_KEYS_DIR says: the demo's data folder. */
export const defaultKeysDir = path.join('data', 'keys');

/** `chartbridge keys …`: the signing keys behind client assertions, the published JWKS, and re-sealing tokens. */
export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage the signing keys (client assertions) and the published JWKS');
  registerGenerate(keys);
  registerList(keys);
  registerJwks(keys);
  registerRotate(keys);
  registerRetire(keys);
  registerResealCommand(keys);
}

const dirOption = () =>
  new Option('--dir <dir>', `keys directory (default: CHARTBRIDGE_KEYS_DIR, else ${defaultKeysDir})`);
const algOption = (help: string) => new Option('--alg <alg>', help).choices(signingAlgs);

function registerGenerate(keys: Command): void {
  keys
    .command('generate')
    .description('create a key: the signing key in an empty directory, else published ahead of `keys rotate`')
    .addOption(algOption('signature algorithm (RS384 recommended by Epic)').default('RS384'))
    .addOption(dirOption())
    .action(async (options: { alg: SigningAlg; dir?: string }) => {
      const dir = resolveDir(options.dir, 'generate');
      const record = await generateKey(dir, { alg: options.alg, clock: systemClock });
      print(`generated ${record.alg} key ${record.kid} in ${dir}`);
      print(
        record.status === 'active'
          ? 'it is the active signing key'
          : 'it is published in the JWKS (running servers pick it up within 30 seconds) but does not sign yet: once EHRs have fetched it, run chartbridge keys rotate',
      );
    });
}

function registerList(keys: Command): void {
  keys
    .command('list')
    .description('list keys with their status (active signs; published is only in the JWKS; retired is gone)')
    .option('--json', 'print JSON for scripts')
    .addOption(dirOption())
    .action(async (options: { json?: boolean; dir?: string }) => {
      const records = await listRecords(options.dir);
      print(options.json ? JSON.stringify(records, null, 2) : formatTable(records));
    });
}

function registerJwks(keys: Command): void {
  keys
    .command('jwks')
    .description('print the public JWKS (what /.well-known/jwks.json serves)')
    .option('--rsa-only', 'only RSA keys: the JWKS to upload directly to an Epic organisation')
    .addOption(dirOption())
    .action(async (options: { rsaOnly?: boolean; dir?: string }) => {
      const store = await loadKeyStore({ ...keySource(options.dir), clock: systemClock });
      print(JSON.stringify(options.rsaOnly ? store.rsaPublicJwks() : store.publicJwks(), null, 2));
    });
}

function registerRotate(keys: Command): void {
  keys
    .command('rotate')
    .description('make a new key the signing key; the old one stays published until `keys retire`')
    .addOption(algOption('algorithm of a newly created key (default: that of the current key)'))
    .addOption(dirOption())
    .action(async (options: { alg?: SigningAlg; dir?: string }) => {
      const dir = resolveDir(options.dir, 'rotate');
      const result = await rotateKeys(dir, { alg: options.alg, clock: systemClock });
      print(
        `key ${result.active.kid} (${result.active.alg}) now signs; ${result.previous.kid} stays published`,
      );
      if (result.generated) {
        print(
          'warning: the new key was not published ahead of time; EHRs that cached the old JWKS reject it until they refetch (up to 12 hours at Epic). Next time: keys generate, wait, then keys rotate',
        );
      }
      print('running chartbridge processes that use this directory switch within 30 seconds');
      // The same folder as this command's, so the suggestion works as printed.
      const dirFlag = options.dir ? ` --dir ${shellQuote(options.dir)}` : '';
      print(`after 5 minutes or more: chartbridge keys retire ${result.previous.kid}${dirFlag}`);
    });
}

function registerRetire(keys: Command): void {
  keys
    .command('retire')
    .description('remove a key from the JWKS and delete its private key file')
    .argument('<kid>', 'the key id (see keys list)')
    .option('--force', 'retire even if it stopped signing less than 5 minutes ago')
    .addOption(dirOption())
    .action(async (kid: string, options: { force?: boolean; dir?: string }) => {
      const dir = resolveDir(options.dir, 'retire');
      await retireKey(dir, kid, { force: options.force === true, clock: systemClock });
      print(`retired key ${kid}: it is no longer in the JWKS and its private key file is deleted`);
      print('running chartbridge processes that use this directory stop serving it within 30 seconds');
    });
}

/** --dir, else CHARTBRIDGE_KEYS_DIR, else ./data/keys; key changes need a directory, not CHARTBRIDGE_PRIVATE_KEYS. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function resolveDir(dirOption: string | undefined, verb: string): string {
  if (dirOption) return dirOption;
  const config = loadConfig();
  if (config.keysDir) return config.keysDir;
  if (config.privateKeysPem) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `keys ${verb} changes a keys directory but keys come from CHARTBRIDGE_PRIVATE_KEYS: pass --dir <dir>`,
    );
  }
  return defaultKeysDir;
}

function keySource(dirOption: string | undefined): { keysDir?: string; privateKeysPem?: string } {
  if (dirOption) return { keysDir: dirOption };
  const config = loadConfig();
  if (config.keysDir || config.privateKeysPem) {
    return { keysDir: config.keysDir, privateKeysPem: config.privateKeysPem };
  }
  return { keysDir: defaultKeysDir };
}

async function listRecords(
  dirOption: string | undefined,
): Promise<Omit<KeyRecord, 'activatedAt' | 'deactivatedAt'>[]> {
  const source = keySource(dirOption);
  if (source.keysDir) return listKeyRecords(source.keysDir);
  const store = await loadKeyStore({ ...source, clock: systemClock });
  return store.list().map(({ kid, alg, status, createdAt }) => ({ kid, alg, status, createdAt }));
}

function formatTable(records: Omit<KeyRecord, 'activatedAt' | 'deactivatedAt'>[]): string {
  if (records.length === 0) return 'no keys: run chartbridge keys generate';
  const rows = records.map((r) => [r.kid, r.alg, r.status, new Date(r.createdAt).toISOString()]);
  return [['KID', 'ALG', 'STATUS', 'CREATED'], ...rows]
    .map((cells) => cells.map((cell, i) => (i < 3 ? cell.padEnd(i === 0 ? 44 : 10) : cell)).join(' '))
    .join('\n');
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
