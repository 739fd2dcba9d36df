import type { Clock } from '../clock.ts';
import type { AuditRepository } from '../store/audit-repository.ts';
import type { ExportTally } from '../sync/export-stream.ts';

/** Who read: the management API's key, the operator's pages, the patient's own pages, or the CLI on the host. */
export type PhiReader = 'api' | 'operator' | 'patient' | 'cli';

/**
 * What was read. `phi.resources`: resources as JSON (API page); `phi.export`: the whole record (API or CLI),
 * recorded before its first byte, and `phi.export_end` once its stream ends, with what was sent; `phi.binary`: one
 * stored attachment; `phi.record`: the patient's record pages; `phi.summary`: counts per resource type (coverage,
 * sync runs, the operator's connection page) — no content, but it tells what kinds of records exist.
 */
export type PhiReadAction =
  'phi.resources' | 'phi.export' | 'phi.export_end' | 'phi.binary' | 'phi.record' | 'phi.summary';

export interface PhiRead {
  actor: PhiReader;
  action: PhiReadAction;
  connectionId: string;
  userId: string;
  /** The route or command, with placeholders instead of ids (`GET /api/connections/:id/resources`). */
  via: string;
  /** Resource types read (sorted, no duplicates); never ids or contents. */
  types: Iterable<string>;
  /** How many resources (or binaries, for `phi.binary`) went out. */
  count: number;
  /** For a streamed export: false when the reader went away before the end (`count` is what was sent). */
  complete?: boolean;
}

/**
 * One audit row per read of patient data (issue 14, point 5): who, which connection, what and how many — ids,
 * types and counts only, never a resource. Written before the data leaves where possible, so a read whose audit
 * row cannot be written fails instead of going unrecorded.
 */
export function recordPhiRead(
  deps: { repos: { audit: AuditRepository }; clock: Clock },
  read: PhiRead,
): Promise<void> {
  const types = [...new Set(read.types)].sort().join(',');
  return deps.repos.audit.record(
    {
      actor: read.actor,
      action: read.action,
      connectionId: read.connectionId,
      userId: read.userId,
      detail: {
        via: read.via,
        types,
        count: read.count,
        ...(read.complete === undefined ? {} : { complete: read.complete }),
      },
    },
    deps.clock.now(),
  );
}

/** Who reads, whose record, through which route or command: the same on an export's two rows. */
export type ReadOrigin = Pick<PhiRead, 'actor' | 'connectionId' | 'userId' | 'via'>;

/**
 * An export's first row, `phi.export` with only its `via`: written before the first byte (the audit trail is
 * append-only, so the count cannot be added to it later), so an export whose row cannot be written is refused.
 */
export function recordExportStart(
  deps: { repos: { audit: AuditRepository }; clock: Clock },
  reader: ReadOrigin,
): Promise<void> {
  return deps.repos.audit.record(
    {
      actor: reader.actor,
      action: 'phi.export',
      connectionId: reader.connectionId,
      userId: reader.userId,
      detail: { via: reader.via },
    },
    deps.clock.now(),
  );
}

/**
 * An export's second row, `phi.export_end`, when its stream ends (sent, failed or cut short): the types and count
 * handed out (attachments as `Binary`), and `complete: false` unless all of it was.
 */
export function recordExportEnd(
  deps: { repos: { audit: AuditRepository }; clock: Clock },
  reader: ReadOrigin,
  sent: { tally: ExportTally; complete: boolean },
): Promise<void> {
  const { tally, complete } = sent;
  return recordPhiRead(deps, {
    ...reader,
    action: 'phi.export_end',
    types: tally.binaries > 0 ? [...tally.types, 'Binary'] : tally.types,
    count: tally.resources + tally.binaries,
    complete,
  });
}

/** A coverage report tells which types a patient has and how many: audited as `phi.summary`, counts only. */
export function summaryRead(entries: Array<{ resourceType: string; resources: number }>): {
  types: string[];
  count: number;
} {
  const held = entries.filter((e) => e.resources > 0);
  return { types: held.map((e) => e.resourceType), count: held.reduce((sum, e) => sum + e.resources, 0) };
}
