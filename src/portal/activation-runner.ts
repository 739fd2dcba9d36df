import type { ActivationJournal } from './activation-journal.ts';
import type { ActivationPlan, ActivationStep, PlannedOrg } from './activation-plan.ts';
import type { ApproveOutcome, PortalClient } from './portal-client.ts';

/**
 * Runs an activation plan: one ApproveDownload call per step, paced (call starts at least `pacingMs` apart, the
 * guide's 500 ms by default), backing off on 429 / 5xx / network errors, and journaled before and after each call.
 * A step the journal records as succeeded is never sent again. A rejected non-production step skips production.
 */
export interface ActivationFailure {
  orgId: string;
  orgName: string;
  step: ActivationStep;
  message: string;
}

export interface ActivationResult {
  activated: string[];
  failures: ActivationFailure[];
  calls: number;
  retries: number;
  skippedByJournal: number;
  /** The run stopped early because `signal` was aborted (Ctrl-C); the journal lets the next run resume. */
  interrupted: boolean;
}

export interface RunActivationOptions {
  client: PortalClient;
  journal: ActivationJournal;
  appId: string;
  plan: ActivationPlan;
  /** The RSA-only JWKS JSON uploaded in direct mode. */
  jwks?: string;
  pacingMs: number;
  maxRetries?: number;
  /** Longest wait between retries of one call. */
  maxBackoffMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Aborted → stop before the next call (a call in flight completes and is journaled). */
  signal?: AbortSignal;
  onStep?: (org: PlannedOrg, step: ActivationStep, outcome: 'ok' | 'failed' | 'skipped') => void;
}

export async function runActivation(options: RunActivationOptions): Promise<ActivationResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const result: ActivationResult = {
    activated: [],
    failures: [],
    calls: 0,
    retries: 0,
    skippedByJournal: 0,
    interrupted: false,
  };
  let nextCallAt = 0;
  const pacedCall = async (org: PlannedOrg, step: ActivationStep): Promise<ApproveOutcome> => {
    const wait = nextCallAt - now();
    if (wait > 0) await sleep(wait);
    nextCallAt = now() + options.pacingMs;
    result.calls++;
    return options.client.approveDownload(options.appId, org.orgId, step, options.jwks);
  };
  options.journal.recordRun(options.plan.mode, now());
  for (const org of options.plan.work) {
    if (options.signal?.aborted) {
      result.interrupted = true;
      break;
    }
    let orgOk = true;
    for (const step of org.steps) {
      if (options.journal.hasSucceeded(org.orgId, step)) {
        result.skippedByJournal++;
        options.onStep?.(org, step, 'skipped');
        continue;
      }
      const outcome = await runStep(org, step, pacedCall, options, result, sleep);
      options.onStep?.(org, step, outcome.ok ? 'ok' : 'failed');
      if (!outcome.ok) {
        result.failures.push({ orgId: org.orgId, orgName: org.orgName, step, message: outcome.message });
        orgOk = false;
        break;
      }
    }
    if (orgOk) result.activated.push(org.orgId);
  }
  return result;
}

async function runStep(
  org: PlannedOrg,
  step: ActivationStep,
  pacedCall: (org: PlannedOrg, step: ActivationStep) => Promise<ApproveOutcome>,
  options: RunActivationOptions,
  result: ActivationResult,
  sleep: (ms: number) => Promise<void>,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const now = options.now ?? Date.now;
  const maxRetries = options.maxRetries ?? 6;
  for (let attempt = 0; ; attempt++) {
    options.journal.recordIntent(org.orgId, step, now());
    const outcome = await pacedCall(org, step);
    if (outcome.kind === 'ok') {
      options.journal.recordResult(org.orgId, step, { ok: true }, now());
      return { ok: true };
    }
    if (outcome.kind === 'rejected') {
      options.journal.recordResult(org.orgId, step, { ok: false, message: outcome.message }, now());
      return { ok: false, message: outcome.message };
    }
    if (attempt >= maxRetries) {
      const message = `the portal kept failing (${outcome.reason}); run again later`;
      options.journal.recordResult(org.orgId, step, { ok: false, message }, now());
      return { ok: false, message };
    }
    // Exponential backoff from the pacing (at least 250 ms), honouring Retry-After when the portal sends one.
    result.retries++;
    const backoff = Math.min(options.maxBackoffMs ?? 60_000, Math.max(options.pacingMs, 250) * 2 ** attempt);
    await sleep(Math.max(backoff, outcome.retryAfterMs ?? 0));
  }
}
