import { isChartbridgeError } from '../errors.ts';
import { describeOrigin } from '../fhir/base-guard.ts';
import { decodeBinary } from './decode-binary.ts';
import { isSafeFhirId } from '../fhir/fhir-id.ts';
import { runPool } from './run-pool.ts';
import { scanRunResources } from './scan-run-resources.ts';
import { addWarning, reportProgress, type SyncContext } from './sync-context.ts';
import { describeUnavailable } from './unavailable-reason.ts';

interface WantedBinary {
  id: string;
  declaredSize: number | undefined;
}

export interface AttachmentOutcome {
  fetched: number;
  corrupt: number;
  unavailable: number;
}

/**
 * Fetches the attachments of DocumentReference and DiagnosticReport resources of this run as binaries: only
 * `Binary/{id}` URLs under the FHIR base (others are refused and recorded, C32), each once, size-capped.
 */
export async function fetchAttachments(ctx: SyncContext): Promise<AttachmentOutcome> {
  const outcome: AttachmentOutcome = { fetched: 0, corrupt: 0, unavailable: 0 };
  const wanted = new Map<string, WantedBinary>();
  await scanRunResources(ctx, ['DocumentReference', 'DiagnosticReport'], (resource) => {
    for (const attachment of listAttachments(resource)) {
      const binary = toWantedBinary(ctx, attachment);
      if (binary && !wanted.has(binary.id)) wanted.set(binary.id, binary);
    }
  });
  const known = await ctx.repos.binaries.findKnown(ctx.connectionId, [...wanted.keys()]);
  const todo = [...wanted.values()].filter((binary) => !known.has(binary.id));
  if (todo.length > 0) reportProgress(ctx, { phase: 'attachments' });
  await runPool(todo, ctx.limits.queryConcurrency, (binary) => fetchBinary(ctx, binary, outcome));
  return outcome;
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

function toWantedBinary(ctx: SyncContext, attachment: Record<string, unknown>): WantedBinary | undefined {
  if (typeof attachment.url !== 'string' || attachment.url.length > 4096) return undefined;
  let url: URL;
  try {
    url = ctx.client.guard.resolve(attachment.url);
  } catch {
    addWarning(ctx, 'attachments: skipped an attachment url that does not parse');
    return undefined;
  }
  if (!ctx.client.guard.isUnderBase(url)) {
    addWarning(
      ctx,
      `attachments: refused an attachment at '${describeOrigin(url)}': outside the fhir base, not fetched`,
    );
    return undefined;
  }
  const rest = url.pathname.slice(new URL(ctx.client.guard.base).pathname.length + 1).split('/');
  if (rest.length !== 2 || rest[0] !== 'Binary' || !isSafeFhirId(rest[1]!)) {
    addWarning(ctx, 'attachments: skipped an attachment url that is not Binary/<id>');
    return undefined;
  }
  const size =
    typeof attachment.size === 'number' && Number.isInteger(attachment.size) ? attachment.size : undefined;
  return { id: rest[1]!, declaredSize: size };
}

async function fetchBinary(
  ctx: SyncContext,
  binary: WantedBinary,
  outcome: AttachmentOutcome,
): Promise<void> {
  const base = { connection_id: ctx.connectionId, binary_id: binary.id, fetched_at: ctx.clock.now() };
  // Base64 in a JSON Binary is 4/3 of the bytes, plus the envelope.
  const maxBytes = Math.ceil(ctx.limits.maxBinaryBytes * 1.34) + 65_536;
  try {
    const response = await ctx.client.get(`Binary/${binary.id}`, {
      what: 'an attachment',
      accept: 'application/fhir+json',
      maxBytes,
    });
    if (response.status >= 400) {
      outcome.unavailable += 1;
      addWarning(ctx, `attachments: ${describeUnavailable(response)}`);
      return await saveEmpty(ctx, base, 'refused');
    }
    const decoded = decodeBinary(response, binary.declaredSize);
    const tooLarge = decoded.size > ctx.limits.maxBinaryBytes;
    const status = tooLarge ? 'too_large' : decoded.status;
    if (status === 'corrupt') outcome.corrupt += 1;
    else outcome.fetched += 1;
    const data = status === 'ok' ? decoded.bytes : null;
    await ctx.repos.binaries.save(
      {
        ...base,
        content_type: decoded.contentType,
        size: decoded.size,
        hash: decoded.hash,
        data,
        status,
      },
      ctx.fence,
    );
    reportProgress(ctx, {});
  } catch (error) {
    if (!isChartbridgeError(error, 'ERR_SIZE_LIMIT')) throw error;
    outcome.unavailable += 1;
    await saveEmpty(ctx, base, 'too_large');
  }
}

function saveEmpty(
  ctx: SyncContext,
  base: { connection_id: string; binary_id: string; fetched_at: number },
  status: 'refused' | 'too_large',
): Promise<void> {
  return ctx.repos.binaries.save(
    {
      ...base,
      content_type: 'application/octet-stream',
      size: 0,
      hash: '',
      data: null,
      status,
    },
    ctx.fence,
  );
}
