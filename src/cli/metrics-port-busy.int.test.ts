import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { generateEncryptionKey } from '../crypto/sealer.ts';
import { generateKey } from '../keys/key-admin.ts';
import { runCli } from '../testing/run-cli.ts';
import { createTempDir } from '../testing/test-keys.ts';

/** A port another process holds, on the host chartbridge listens on. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { port: address.port, server };
}

// A busy CHARTBRIDGE_METRICS_PORT is a configuration mistake: the process closes what it opened and exits with
// one line, instead of serving (or running jobs) on without the metrics its operator scrapes.
for (const command of [
  ['serve', '--port', '0'],
  ['worker', '--no-schedule'],
]) {
  test(`${command[0]} exits 2 with one line when CHARTBRIDGE_METRICS_PORT is busy`, async () => {
    const cwd = await createTempDir();
    const keysDir = path.join(cwd, 'keys');
    await generateKey(keysDir);
    const busy = await holdPort();
    try {
      const result = await runCli(command, {
        cwd,
        timeoutMs: 30_000,
        env: {
          HOST: '127.0.0.1',
          CHARTBRIDGE_DATABASE_URL: `sqlite:${path.join(cwd, 'chartbridge.db')}`,
          CHARTBRIDGE_KEYS_DIR: keysDir,
          CHARTBRIDGE_PRIVATE_KEYS: undefined,
          CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey(),
          CHARTBRIDGE_METRICS_PORT: String(busy.port),
        },
      });
      assert.equal(
        result.stderr,
        `chartbridge: port ${busy.port} is already in use on 127.0.0.1; pick another with CHARTBRIDGE_METRICS_PORT\n`,
      );
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
    } finally {
      busy.server.close();
    }
  });
}
