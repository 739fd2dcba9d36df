import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface WalCheckpointer {
  /** Ends the thread (its connection closes with it). */
  stop(): Promise<void>;
}

/**
 * The thread's code, plain CommonJS so it runs without the TypeScript loader: its own connection to the file
 * copies the write-ahead log back into the database every `everyMs`, PASSIVE so it never waits for or blocks the
 * writer.
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * Checkpoints a SQLite file's write-ahead log from a background thread. Left to the writer, every 1,000 pages of
 * log a page commit stops to copy them into the database and wait for the disk (a third of the store's wall time
 * during a sync); from this thread the copy and the fsync overlap the writer's work, and the log stays short.
 */
export function startWalCheckpointer(path: string, everyMs = 100): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD_CODE, { eval: true, workerData: { path, driver, everyMs } });
  // A thread that cannot open the file only loses the speed-up: the writer still checkpoints by itself.
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        void exited.then(resolve);
        // Held open until the thread has closed its connection.
        worker.ref();
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 2000).unref();
      });
      return stopped;
    },
  };
}
