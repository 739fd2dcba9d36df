import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cliPath } from './run-cli.ts';

export interface DemoProcess {
  port: number;
  sandboxPort: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Everything the demo wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The real `chartbridge demo` as an OS process in `cwd`, on free ports, resolved the moment it printed "ready"
 * (on the output event itself, not a poll), so a test can hold the demo to what "ready" promises.
 */
export async function startDemoProcess(options: {
  cwd: string;
  args?: string[];
  env?: Record<string, string | undefined>;
}): Promise<DemoProcess> {
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [cliPath, 'demo', '--port', String(port), '--sandbox-port', String(sandboxPort), ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...process.env, CHARTBRIDGE_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let announced = () => {};
  const ready = new Promise<void>((resolve) => (announced = resolve));
  child.stdout!.on('data', (chunk) => {
    output += chunk;
    if (output.includes('chartbridge demo ready')) announced();
  });
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 60_000)));
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      late,
    ]);
    clearTimeout(timer);
    if (outcome === 'exited') throw new Error(`the demo exited with ${child.exitCode}: ${output}`);
    if (outcome === 'late') throw new Error(`timed out waiting for the demo banner: ${output.slice(-2000)}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, sandboxPort, url: `http://127.0.0.1:${port}`, output: () => output, stop };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
