import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a running demo chose that its data folder does not otherwise show: the public URL (its --port) and the
 * client id it registered at its sandbox. Operator commands run next to the demo read it, so `doctor` and
 * friends judge the demo's real configuration instead of defaults.
 */
export interface DemoSettings {
  publicUrl: string;
  clientId: string;
}

const FILE = 'demo.json';

export function writeDemoSettings(dataDir: string, settings: DemoSettings): void {
  writeFileSync(join(dataDir, FILE), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
}

export function readDemoSettings(dataDir: string): Partial<DemoSettings> {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return {};
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return {
      publicUrl: typeof value.publicUrl === 'string' ? value.publicUrl : undefined,
      clientId: typeof value.clientId === 'string' ? value.clientId : undefined,
    };
  } catch {
    return {};
  }
}
