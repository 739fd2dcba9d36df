import type { Clock } from '../clock.ts';
import type { KeyStore, SigningKey } from './key-store.ts';
import { createKeyStore } from './key-set.ts';

/** How often a running process looks at keys.json for rotations made by `chartbridge keys …`. */
export const keyReloadIntervalMs = 30_000;

export interface ReloadingKeyStore extends KeyStore {
  /** Re-reads the keys now if keys.json changed; true when the key set was replaced. */
  reload(): Promise<boolean>;
}

/**
 * A key store that follows its keys directory: at most every `intervalMs`, a call checks in the background whether
 * keys.json changed and swaps in the new key set, so `keys generate|rotate|retire` reach running servers and
 * workers without a restart. A reload that fails keeps the last good keys and reports the error.
 */
export function createReloadingKeyStore(options: {
  keys: SigningKey[];
  version: string | undefined;
  clock: Clock;
  intervalMs?: number;
  readVersion(): Promise<string | undefined>;
  load(): Promise<SigningKey[]>;
  onReloadError?(error: unknown): void;
}): ReloadingKeyStore {
  const interval = options.intervalMs ?? keyReloadIntervalMs;
  let current = createKeyStore(options.keys);
  let version = options.version;
  let lastCheck = options.clock.now();
  let inFlight: Promise<boolean> | undefined;

  async function reload(): Promise<boolean> {
    const seen = await options.readVersion();
    if (seen === version) return false;
    const keys = await options.load();
    current = createKeyStore(keys);
    version = seen;
    return true;
  }

  function reloadIfDue(): void {
    const now = options.clock.now();
    if (inFlight || now - lastCheck < interval) return;
    lastCheck = now;
    inFlight = reload()
      .catch((error: unknown) => {
        options.onReloadError?.(error);
        return false;
      })
      .finally(() => {
        inFlight = undefined;
      });
  }

  return {
    activeKey: () => (reloadIfDue(), current.activeKey()),
    publicJwks: () => (reloadIfDue(), current.publicJwks()),
    rsaPublicJwks: () => (reloadIfDue(), current.rsaPublicJwks()),
    list: () => (reloadIfDue(), current.list()),
    reload: () => {
      lastCheck = options.clock.now();
      return reload();
    },
  };
}
