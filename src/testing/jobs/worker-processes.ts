import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliPath } from '../run-cli.ts';
import { waitFor } from '../wait-for.ts';

const testWorkerPath = fileURLToPath(new URL('./test-worker-process.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  stderr(): string;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** Spawns a worker OS process: the test worker (simple handlers) or the real `chartbridge worker`. */
export function spawnWorker(
  env: Record<string, string>,
  options: { real?: boolean; args?: string[] } = {},
): WorkerProcess {
  const args = options.real
    ? [cliPath, 'worker', ...(options.args ?? [])]
    : ['--import', 'tsx', testWorkerPath];
  return spawnWithLines(args, env);
}

/** Spawns the real `chartbridge serve` (e.g. with `--with-worker`), from the sources unless `cli` says otherwise. */
export function spawnServe(
  env: Record<string, string>,
  args: string[] = [],
  cli: string = cliPath,
): WorkerProcess {
  return spawnWithLines([cli, 'serve', ...args], env);
}

/** Spawns a TypeScript test script (run through tsx) as its own OS process, its output read line by line. */
export function spawnTestScript(path: string, env: Record<string, string>): WorkerProcess {
  return spawnWithLines(['--import', 'tsx', path], env);
}

function spawnWithLines(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, CHARTBRIDGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  let errors = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    lines,
    stderr: () => errors,
    exited,
    waitForLine: (pattern, timeoutMs = 30_000) =>
      waitFor(() => lines.find((line) => pattern.test(line)), {
        timeoutMs,
        what: `a line matching ${pattern} (stderr: ${errors.slice(-500)})`,
      }),
  };
}

/** Ends every process that is still running (test cleanup). */
export async function killAll(workers: WorkerProcess[]): Promise<void> {
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGCONT');
      worker.child.kill('SIGKILL');
    }
  }
  await Promise.all(workers.map((w) => w.exited));
}
