import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import { loadKeyStore } from '../keys/key-store.ts';
import { buildDirectJwks, readJwksFile, type PublicJwk } from './direct-jwks.ts';

/**
 * Where `--direct-jwks` gets its keys: a JWK Set file when given, otherwise the key store
 * (CHARTBRIDGE_KEYS_DIR / CHARTBRIDGE_PRIVATE_KEYS), of which only the RSA public keys are uploaded.
 */
export async function loadDirectJwks(
  jwksFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  if (jwksFile) return buildDirectJwks(readJwksFile(jwksFile), `'${jwksFile}'`);
  const config = loadConfig(env);
  const store = await loadKeyStore({
    // Same default as `chartbridge keys generate`: ./data/keys when nothing is configured.
    keysDir: config.keysDir ?? (config.privateKeysPem ? undefined : join('data', 'keys')),
    privateKeysPem: config.privateKeysPem,
    clock: systemClock,
  });
  return buildDirectJwks(store.rsaPublicJwks().keys as PublicJwk[], 'the key store');
}
