import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ChartbridgeError, type ChartbridgeErrorCode } from '../errors.ts';
import { parsePage, type PageInput } from './parse-page.ts';
import type { BundlePage } from './read-bundle-page.ts';

/**
 * Pages at least this large are parsed on a thread of their own. Measured on this machine: JSON.parse plus
 * preparing the resources costs about 8 ms per MB, so a 1 MB page (Epic's 100-entry pages are 100–400 kB) keeps
 * the event loop well under the 100 ms budget of issue 14, while a 60 MB page of 2,000 large entries would hold
 * it for half a second. Small pages stay inline: posting them to a thread would cost more than parsing them.
 */
export const OFF_THREAD_BYTES = 1024 * 1024;
/** The thread's heap: a page that needs more fails alone (ERR_SIZE_LIMIT), the process stays up. */
const THREAD_HEAP_MB = 768;

interface Pending {
  input: PageInput;
  resolve(page: BundlePage): void;
  reject(error: Error): void;
}
interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  ready: boolean;
}
type ThreadMessage =
  { ready: true } | { id: number; page?: BundlePage; error?: { code: string; message: string } };

let thread: Thread | undefined;
/** Set when the thread cannot start here (no loader for its module): every page is then parsed inline. */
let unavailable = false;
let nextId = 0;

/**
 * Parses a page inline when small, else on the shared parser thread (started on first use, never keeps the
 * process alive). A large body may be moved to the thread: the caller must not read `input.body` afterwards.
 */
export async function parsePageOffLoop(input: PageInput): Promise<BundlePage> {
  if (input.body.length < OFF_THREAD_BYTES || unavailable) return parsePage(input);
  const parser = thread ?? startThread();
  const id = (nextId += 1);
  return new Promise<BundlePage>((resolve, reject) => {
    parser.pending.set(id, { input, resolve, reject });
    parser.worker.ref();
    parser.worker.postMessage({ ...input, id }, movableBody(parser, input.body));
  });
}

/**
 * A body that owns its whole memory (a large Buffer.concat does) moves to a ready thread instead of being
 * copied: a 60 MB page copied cost 60 MB more RSS and a copy on the event loop (bench:hostile). A thread not yet
 * ready may hand its pages back to be parsed inline (stopThread), so they are copied.
 */
function movableBody(parser: Thread, body: Buffer): ArrayBuffer[] {
  const memory = body.buffer;
  const ownsAll =
    memory instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === memory.byteLength;
  return parser.ready && ownsAll ? [memory] : [];
}

function startThread(): Thread {
  // The thread module sits beside this one: `.js` when run from the build, `.ts` when run from source (tests).
  // A thread does not inherit the `--import tsx` hooks of its parent, so from source it registers them first.
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = JSON.stringify(new URL(`./page-parser-thread${extension}`, import.meta.url).href);
  const load =
    extension === '.ts'
      ? `import('tsx/esm/api').then(({ register }) => register()).then(() => import(${entry}))`
      : `import(${entry})`;
  const worker = new Worker(load, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  const current: Thread = { worker, pending: new Map(), ready: false };
  worker.unref();
  worker.on('message', (message: ThreadMessage) => {
    if ('ready' in message) {
      current.ready = true;
      return;
    }
    const waiter = current.pending.get(message.id);
    current.pending.delete(message.id);
    if (current.pending.size === 0) worker.unref();
    if (!waiter) return;
    if (message.page) waiter.resolve(message.page);
    else waiter.reject(threadError(message.error!.code as ChartbridgeErrorCode, message.error!.message));
  });
  worker.on('error', (error) => stopThread(current, error));
  worker.on('exit', (code) => stopThread(current, new Error(`the parser thread exited with ${code}`)));
  thread = current;
  return current;
}

/**
 * A thread that never became ready cannot run here: its pages, and all later ones, are parsed inline. One that
 * died while parsing (out of its heap) fails only the pages it held; the next big page starts a new thread.
 */
function stopThread(current: Thread, cause: Error): void {
  if (thread === current) thread = undefined;
  if (!current.ready) unavailable = true;
  for (const waiter of current.pending.values()) {
    if (!current.ready) {
      try {
        waiter.resolve(parsePage(waiter.input));
      } catch (error) {
        waiter.reject(error as Error);
      }
    } else {
      const what = waiter.input.what;
      waiter.reject(
        threadError(
          'ERR_SIZE_LIMIT',
          `${what} could not be parsed within ${THREAD_HEAP_MB} MB; it was skipped`,
          cause,
        ),
      );
    }
  }
  current.pending.clear();
}

function threadError(code: ChartbridgeErrorCode, message: string, cause?: Error): ChartbridgeError {
  return new ChartbridgeError(code, message, { cause });
}
