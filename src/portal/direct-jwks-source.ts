import { loadConfig } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import { buildDirectJwks, readJwksFile, type PublicJwk } from './direct-jwks.ts';

/**
 * Where `--direct-jwks` gets its keys: a JWK Set file when given, otherwise the key store
 * (CHARTBRIDGE_KEYS_DIR / CHARTBRIDGE_PRIVATE_KEYS) through the keys module's `rsaPublicJwks()`.
 */
export async function loadDirectJwks(jwksFile: string | undefined): Promise<string> {
  if (jwksFile) return buildDirectJwks(readJwksFile(jwksFile), `'${jwksFile}'`);
  return buildDirectJwks(await readKeyStoreRsaJwks(), 'the key store');
}

async function readKeyStoreRsaJwks(): Promise<PublicJwk[]> {
  // The keys module is loaded on demand: only direct mode needs private-key material on this machine.
  const specifier = '../keys/key-store.ts';
  let keysModule: { loadKeyStore?: (...args: unknown[]) => unknown };
  try {
    keysModule = (await import(specifier)) as typeof keysModule;
  } catch (error) {
    throw new ChartbridgeError(
      'ERR_KEY_NOT_FOUND',
      'no key store available: pass --jwks-file with your public jwks',
      {
        cause: error,
      },
    );
  }
  const config = loadConfig();
  const store = (await keysModule.loadKeyStore?.({
    keysDir: config.keysDir,
    privateKeysPem: config.privateKeysPem,
    config,
  })) as
    | {
        rsaPublicJwks?: () =>
          PublicJwk[] | { keys: PublicJwk[] } | Promise<PublicJwk[] | { keys: PublicJwk[] }>;
      }
    | undefined;
  const jwks = await store?.rsaPublicJwks?.();
  if (!jwks) {
    throw new ChartbridgeError(
      'ERR_KEY_NOT_FOUND',
      "no rsa key in the key store: run 'chartbridge keys generate'",
    );
  }
  return Array.isArray(jwks) ? jwks : jwks.keys;
}
