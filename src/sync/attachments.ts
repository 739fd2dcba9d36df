import { isChartbridgeError } from '../errors.ts';
import { describeOrigin } from '../fhir/base-guard.ts';
import type { BinaryStatus, MissedBinary } from '../store/binaries-repository.ts';
import { nextAttemptAt } from './attachment-backoff.ts';
import { classifyAttachmentUrl, type AttachmentSource } from './attachment-source.ts';
import { decodeBinary } from './decode-binary.ts';
import { runPool } from './run-pool.ts';
import { scanRunResources } from './scan-run-resources.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';

type Fetchable = Exclude<AttachmentSource, { kind: 'outside' }> & { declaredSize: number | undefined };

/** This run's attachments: fetched, or not with a reason (reason text → count; never a url or an id). */
export interface AttachmentOutcome {
  fetched: number;
  corrupt: number;
  unavailable: number;
  outside: number;
  reasons: Record<string, number>;
}

export const OUTSIDE_REASON = 'outside the fhir base, not fetched';
/** Failed attachments retried per run besides the ones this run's resources point at. */
const DUE_PER_RUN = 1000;

/**
 * Fetches the attachments of this run's DocumentReference and DiagnosticReport resources, and failed ones from
 * earlier runs that are due again (attachment-backoff.ts). Anything under the FHIR base is fetched — `Binary/{id}`
 * and other paths alike — each once, size-capped; other origins never get our token (C32) and are recorded as
 * outside. Every attachment not stored is a binaries row with its reason, so a failing one costs one try per run
 * and never holds the run up: the run ends `partial` with these counts.
 */
export async function fetchAttachments(ctx: SyncContext): Promise<AttachmentOutcome> {
  const outcome: AttachmentOutcome = { fetched: 0, corrupt: 0, unavailable: 0, outside: 0, reasons: {} };
  const wanted = new Map<string, Fetchable>();
  const outside = new Map<string, string>();
  await scanRunResources(ctx, ['DocumentReference', 'DiagnosticReport'], (resource) => {
    for (const attachment of listAttachments(resource)) {
      const found = classifyAttachmentUrl(ctx.client.guard, attachment.url);
      if (!found) {
        if (typeof attachment.url === 'string' && !/^(data|cid):/i.test(attachment.url))
          note(outcome, 'unavailable', 'the attachment url does not parse or is too long');
      } else if (found.kind === 'outside') {
        outside.set(found.key, describeOrigin(ctx.client.guard.resolve(attachment.url as string)));
      } else if (!wanted.has(found.key)) {
        wanted.set(found.key, { ...found, declaredSize: readDeclaredSize(attachment) });
      }
    }
  });
  const at = { now: ctx.clock.now(), runId: ctx.runId };
  const known = await ctx.repos.binaries.findKnown(
    ctx.connectionId,
    [...wanted.keys(), ...outside.keys()],
    at,
  );
  for (const [key, origin] of outside) {
    addWarning(ctx, `attachments: refused an attachment at '${origin}': ${OUTSIDE_REASON}`);
    note(outcome, 'outside', OUTSIDE_REASON);
    if (!known.has(key))
      await record(ctx, { binaryId: key, source: null, status: 'outside', reason: OUTSIDE_REASON });
  }
  const todo: Fetchable[] = [];
  for (const attachment of wanted.values()) {
    const prior = known.get(attachment.key);
    if (!prior || prior.due) todo.push(attachment);
    // Failed ones waiting for their backoff are counted below, with those no resource of this run points at.
    else if (!['ok', 'refused', 'failed'].includes(prior.status))
      note(outcome, bucketOf(prior.status), prior.reason ?? prior.status);
  }
  for (const due of await ctx.repos.binaries.listDue(ctx.connectionId, at, DUE_PER_RUN)) {
    if (wanted.has(due.binaryId)) continue;
    const again = classifyAttachmentUrl(ctx.client.guard, `${ctx.client.guard.base}/${due.source}`);
    if (again && again.kind !== 'outside')
      todo.push({ ...again, key: due.binaryId, declaredSize: undefined });
  }
  if (todo.length > 0) reportProgress(ctx, { phase: 'attachments' });
  await runPool(todo, ctx.limits.queryConcurrency, (attachment) => fetchOne(ctx, attachment, outcome));
  for (const waiting of await ctx.repos.binaries.countWaiting(ctx.connectionId, ctx.runId))
    note(outcome, 'unavailable', waiting.reason, waiting.count);
  return outcome;
}

/** The run's words for attachments not fetched, e.g. `2 attachment(s) not fetched: 1 outside the fhir base…`. */
export function describeAttachmentOutcome(outcome: AttachmentOutcome): string | null {
  const missed = outcome.corrupt + outcome.unavailable + outcome.outside;
  if (missed === 0) return null;
  const parts = Object.entries(outcome.reasons)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => `${count} ${reason}`);
  return `${missed} attachment(s) not fetched: ${parts.join('; ')}`;
}

function listAttachments(resource: Record<string, unknown>): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  if (resource.resourceType === 'DocumentReference' && Array.isArray(resource.content)) {
    for (const content of resource.content) {
      const attachment = (content as { attachment?: unknown })?.attachment;
      if (typeof attachment === 'object' && attachment !== null)
        found.push(attachment as Record<string, unknown>);
    }
  }
  if (resource.resourceType === 'DiagnosticReport' && Array.isArray(resource.presentedForm)) {
    for (const form of resource.presentedForm)
      if (typeof form === 'object' && form !== null) found.push(form as Record<string, unknown>);
  }
  return found;
}

function readDeclaredSize(attachment: Record<string, unknown>): number | undefined {
  return typeof attachment.size === 'number' && Number.isInteger(attachment.size)
    ? attachment.size
    : undefined;
}

async function fetchOne(ctx: SyncContext, attachment: Fetchable, outcome: AttachmentOutcome): Promise<void> {
  const missed = (status: MissedBinary['status'], reason: string) => {
    note(outcome, bucketOf(status), reason);
    return record(ctx, { binaryId: attachment.key, source: attachment.source, status, reason });
  };
  // Base64 in a JSON Binary is 4/3 of the bytes, plus the envelope.
  const maxBytes = Math.ceil(ctx.limits.maxBinaryBytes * 1.34) + 65_536;
  let response;
  try {
    response = await ctx.client.get(`${ctx.client.guard.base}/${attachment.source}`, {
      what: 'an attachment',
      // Epic answers a Binary as JSON (base64 `data`) when asked; other document urls serve their own type.
      accept: attachment.kind === 'binary' ? 'application/fhir+json' : '*/*',
      maxBytes,
    });
  } catch (error) {
    const failure = describeFailure(error, ctx.limits.maxBinaryBytes);
    if (!failure) throw error;
    return missed(failure.status, failure.reason);
  }
  if (response.status >= 400) return missed('refused', describeRefusal(response.status));
  const decoded = decodeBinary(response, attachment.declaredSize);
  if (decoded.size > ctx.limits.maxBinaryBytes)
    return missed('too_large', tooLargeReason(ctx.limits.maxBinaryBytes));
  if (decoded.status === 'corrupt') note(outcome, 'corrupt', CORRUPT_REASON);
  else outcome.fetched += 1;
  await ctx.repos.binaries.save(
    {
      connection_id: ctx.connectionId,
      binary_id: attachment.key,
      source: attachment.source,
      content_type: decoded.contentType,
      size: decoded.size,
      hash: decoded.hash,
      data: decoded.status === 'ok' ? decoded.bytes : null,
      status: decoded.status,
      reason: decoded.status === 'ok' ? null : CORRUPT_REASON,
      fetched_at: ctx.clock.now(),
    },
    ctx.fence,
  );
  reportProgress(ctx, {});
}

const CORRUPT_REASON = 'corrupt: not valid base64 or not the size the document declared';

function tooLargeReason(cap: number): string {
  return `larger than the ${cap} byte cap`;
}

/** Trouble with this one attachment (kept, retried later); anything else (reauth, abort, store) ends the run. */
function describeFailure(
  error: unknown,
  cap: number,
): { status: MissedBinary['status']; reason: string } | undefined {
  if (isChartbridgeError(error, 'ERR_SIZE_LIMIT'))
    return { status: 'too_large', reason: tooLargeReason(cap) };
  if (isChartbridgeError(error, 'ERR_ORIGIN_MISMATCH'))
    return { status: 'outside', reason: 'redirected outside the fhir base, not followed' };
  if (isChartbridgeError(error, 'ERR_FHIR_RETRYABLE')) {
    const status = /kept answering http (\d{3})/.exec(error.message)?.[1];
    const detail = status ? `kept answering http ${status}` : 'kept failing';
    return { status: 'failed', reason: `the server ${detail} after retries` };
  }
  if (isChartbridgeError(error, 'ERR_FHIR_HTTP'))
    return { status: 'failed', reason: 'the request failed (too many redirects)' };
  return undefined;
}

function describeRefusal(status: number): string {
  if (status === 403) return 'refused by the server (http 403)';
  if (status === 404) return 'not found at the server (http 404)';
  return `not available (http ${status})`;
}

function bucketOf(status: BinaryStatus): 'corrupt' | 'unavailable' | 'outside' {
  if (status === 'corrupt') return 'corrupt';
  if (status === 'outside') return 'outside';
  return 'unavailable';
}

function note(
  outcome: AttachmentOutcome,
  bucket: 'corrupt' | 'unavailable' | 'outside',
  reason: string,
  count = 1,
): void {
  outcome[bucket] += count;
  outcome.reasons[reason] = (outcome.reasons[reason] ?? 0) + count;
}

function record(
  ctx: SyncContext,
  missed: Pick<MissedBinary, 'binaryId' | 'source' | 'status' | 'reason'>,
): Promise<void> {
  return ctx.repos.binaries.recordMissed(
    {
      ...missed,
      connectionId: ctx.connectionId,
      now: ctx.clock.now(),
      runId: ctx.runId,
      nextAttemptAt: (attempts) => nextAttemptAt(ctx.clock.now(), attempts),
    },
    ctx.fence,
  );
}
