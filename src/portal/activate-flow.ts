import { writeFileSync } from 'node:fs';
import { openActivationJournal } from './activation-journal.ts';
import { describePlan, planActivation, type ActivationMode, type ActivationPlan } from './activation-plan.ts';
import type { ActivationProgress } from './activation-progress.ts';
import { runActivation, type ActivationResult } from './activation-runner.ts';
import { formatCsv } from './csv.ts';
import type { PortalClient } from './portal-client.ts';

/**
 * `chartbridge portal activate` as a flow: list every organisation, plan against the portal's states and the
 * journal, show the plan, confirm, run, and report (a table and a CSV of failures with Epic's messages).
 */
export interface ActivateFlowOptions {
  client: PortalClient;
  appId: string;
  mode: ActivationMode;
  jwks?: string;
  journalPath: string;
  failuresCsvPath: string;
  pacingMs: number;
  pageSize: number;
  only: string[];
  exclude: string[];
  dryRun: boolean;
  confirm: (question: string) => Promise<boolean>;
  print: (line: string) => void;
  progress: ActivationProgress;
  sleep?: (ms: number) => Promise<void>;
  /** Aborted (Ctrl-C) → finish the call in flight, report, and leave the rest to the next run. */
  signal?: AbortSignal;
}

export interface ActivateFlowOutcome {
  plan: ActivationPlan;
  result: ActivationResult | null;
  status: 'dry-run' | 'nothing-to-do' | 'declined' | 'completed';
}

export async function activateOrganizations(options: ActivateFlowOptions): Promise<ActivateFlowOutcome> {
  const { print } = options;
  print(`loading organisations of app ${options.appId}…`);
  const downloads = await options.client.loadAllDownloads(options.appId, options.pageSize);
  const journal = openActivationJournal(options.journalPath, options.appId);
  try {
    const plan = planActivation(downloads, {
      mode: options.mode,
      only: options.only,
      exclude: options.exclude,
      failures: journal.failures(),
    });
    describePlan(plan).forEach((line) => print(`  ${line}`));
    if (journal.unfinished() > 0) {
      print(
        `  interrupted calls in the journal: ${journal.unfinished()} (the portal's states above already show whether they landed)`,
      );
    }
    if (options.dryRun) return { plan, result: null, status: 'dry-run' };
    if (plan.calls === 0) {
      print('nothing to do: every selected organisation is already activated');
      return { plan, result: null, status: 'nothing-to-do' };
    }
    const seconds = Math.ceil((plan.calls * options.pacingMs) / 1000);
    if (!(await options.confirm(`make ${plan.calls} ApproveDownload calls (about ${seconds} s)?`))) {
      print('aborted: nothing was changed');
      return { plan, result: null, status: 'declined' };
    }
    const result = await runWithProgress(options, plan, journal);
    reportResult(options, result);
    return { plan, result, status: 'completed' };
  } finally {
    journal.close();
  }
}

async function runWithProgress(
  options: ActivateFlowOptions,
  plan: ActivationPlan,
  journal: ReturnType<typeof openActivationJournal>,
): Promise<ActivationResult> {
  const counts = { ok: 0, failed: 0 };
  options.progress.start(plan.calls);
  try {
    return await runActivation({
      client: options.client,
      journal,
      appId: options.appId,
      plan,
      jwks: options.jwks,
      pacingMs: options.pacingMs,
      sleep: options.sleep,
      signal: options.signal,
      onStep(org, step, outcome) {
        if (outcome === 'failed') {
          counts.failed++;
          // A failed non-production step also ends the organisation's production step.
          if (step === 'nonprod' && org.steps.length > 1) options.progress.tick(counts);
        } else if (outcome === 'ok') counts.ok++;
        options.progress.tick(counts);
      },
    });
  } finally {
    options.progress.stop();
  }
}

function reportResult(options: ActivateFlowOptions, result: ActivationResult): void {
  const { print } = options;
  print('');
  print(`activated:            ${result.activated.length}`);
  print(`failed:               ${result.failures.length}`);
  print(
    `calls made:           ${result.calls}${result.retries ? ` (${result.retries} retried after errors)` : ''}`,
  );
  if (result.skippedByJournal) print(`skipped (journal):    ${result.skippedByJournal}`);
  if (result.interrupted) print('interrupted: run the same command again to continue where this run stopped');
  if (result.failures.length === 0) return;
  writeFileSync(
    options.failuresCsvPath,
    formatCsv(
      ['orgId', 'orgName', 'step', 'message'],
      result.failures.map((failure) => ({ ...failure })),
    ),
    { mode: 0o600 },
  );
  print('');
  print("failures (Epic's messages):");
  for (const failure of result.failures.slice(0, 20)) {
    print(`  ${failure.orgId.padEnd(8)} ${failure.step.padEnd(7)} ${failure.orgName} — ${failure.message}`);
  }
  if (result.failures.length > 20) print(`  … and ${result.failures.length - 20} more`);
  print(
    `failures written to ${options.failuresCsvPath}; run the same command again later to retry only those`,
  );
}
