import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cliPath } from './run-cli.ts';
import { waitFor } from './wait-for.ts';

export interface DemoProcess {
  port: number;
  sandboxPort: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Everything the demo wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The real `chartbridge demo` as an OS process in `cwd`, on free ports, resolved once it printed "ready". */
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
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(() => output.includes('chartbridge demo ready') || child.exitCode !== null, {
      timeoutMs: 60_000,
      what: 'the demo banner',
    });
    if (child.exitCode !== null) throw new Error(`the demo exited with ${child.exitCode}: ${output}`);
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
