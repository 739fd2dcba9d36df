import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ActivationStep } from './activation-plan.ts';

/**
 * The activation journal: an append-only JSON-lines file, fsync'd before and after every ApproveDownload call, so
 * a run killed at any instant can resume without repeating a call that succeeded. An `intent` without a `result`
 * means the process died during the call; the portal's own `Approved` state decides whether it landed.
 */
export type JournalEntry =
  | { type: 'run'; appId: string; mode: string; at: number }
  | { type: 'intent'; appId: string; orgId: string; step: ActivationStep; at: number }
  | {
      type: 'result';
      appId: string;
      orgId: string;
      step: ActivationStep;
      ok: boolean;
      message?: string;
      at: number;
    };

export interface ActivationJournal {
  readonly path: string;
  /** Whether this step already succeeded for this organisation in any run. */
  hasSucceeded(orgId: string, step: ActivationStep): boolean;
  /** orgId → Epic's message, for organisations whose last recorded result was a failure. */
  failures(): Record<string, string>;
  /** Intents without a result: calls a killed run may or may not have completed. */
  unfinished(): number;
  recordRun(mode: string, at: number): void;
  recordIntent(orgId: string, step: ActivationStep, at: number): void;
  recordResult(
    orgId: string,
    step: ActivationStep,
    outcome: { ok: boolean; message?: string },
    at: number,
  ): void;
  close(): void;
}

export function openActivationJournal(path: string, appId: string): ActivationJournal {
  const entries = readJournal(path).filter((entry) => entry.appId === appId);
  const succeeded = new Set<string>();
  const lastFailure = new Map<string, string>();
  const pending = new Set<string>();
  const key = (orgId: string, step: ActivationStep) => `${orgId}\u0000${step}`;
  const apply = (entry: JournalEntry) => {
    if (entry.type === 'intent') pending.add(key(entry.orgId, entry.step));
    if (entry.type !== 'result') return;
    pending.delete(key(entry.orgId, entry.step));
    if (entry.ok) {
      succeeded.add(key(entry.orgId, entry.step));
      lastFailure.delete(entry.orgId);
    } else {
      lastFailure.set(entry.orgId, entry.message ?? 'failed');
    }
  };
  entries.forEach(apply);
  // The file is created on the first write, so a dry run leaves nothing behind.
  let fd: number | undefined;
  const append = (entry: JournalEntry) => {
    if (fd === undefined) fd = openForAppend(path);
    writeSync(fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(fd);
    apply(entry);
  };
  return {
    path,
    hasSucceeded: (orgId, step) => succeeded.has(key(orgId, step)),
    failures: () => Object.fromEntries(lastFailure),
    unfinished: () => pending.size,
    recordRun: (mode, at) => append({ type: 'run', appId, mode, at }),
    recordIntent: (orgId, step, at) => append({ type: 'intent', appId, orgId, step, at }),
    recordResult: (orgId, step, outcome, at) =>
      append({ type: 'result', appId, orgId, step, ok: outcome.ok, message: outcome.message, at }),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function openForAppend(path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  const created = !existsSync(path);
  const fd = openSync(path, 'a', 0o600);
  // A new file's directory entry must be durable too, or a crash could lose the whole journal.
  if (created) fsyncDirectory(dirname(path));
  // Start on a fresh line if a kill tore the last one.
  if (!/(^|\n)$/.test(readFileSync(path, 'utf8').slice(-1))) writeSync(fd, '\n');
  return fd;
}

function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads every complete line; a torn last line (the process died mid-write) is ignored. */
export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A partial write at the moment of a kill; everything before it is intact.
    }
  }
  return entries;
}
