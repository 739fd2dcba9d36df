import { z } from '@hono/zod-openapi';
import { isSafeFhirId } from '../../fhir/fhir-id.ts';
import { RESOURCE_TYPE } from '../../sync/prepare-resource.ts';

/** Query and response schemas of the data routes (issue 8): resources, sync runs, coverage, export. */

const SINCE_MESSAGE = "'_since' must be an ISO date-time or epoch milliseconds";
const CURSOR_MESSAGE = "'_cursor' must be a next link's value";

/** `_since` as epoch milliseconds, or undefined when it is neither digits nor a date. */
export function parseSince(text: string): number | undefined {
  if (text.length > 40) return undefined;
  const since = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(since) ? since : undefined;
}

/** `_cursor` (`Type/id`, the last entry of the previous page), or undefined when it is not one. */
export function parseCursor(text: string): { type: string; id: string } | undefined {
  const [type, id, ...rest] = text.split('/');
  if (rest.length > 0 || !type || !id || !RESOURCE_TYPE.test(type) || !isSafeFhirId(id)) return undefined;
  return { type, id };
}

export const ResourcesQuery = z.object({
  type: z
    .string()
    .regex(RESOURCE_TYPE, { error: "'type' must be a fhir resource type like Observation" })
    .optional()
    .openapi({ example: 'Observation' }),
  _since: z
    .string({ error: SINCE_MESSAGE })
    .refine((text) => parseSince(text) !== undefined, { error: SINCE_MESSAGE })
    .optional()
    .openapi({ description: 'Only resources stored or changed since then', example: '2026-01-01T00:00:00Z' }),
  _count: z.coerce
    .number({ error: "'_count' must be 1-5000" })
    .int()
    .min(1)
    .max(5000)
    .optional()
    .openapi({ default: 500 }),
  _cursor: z
    .string({ error: CURSOR_MESSAGE })
    .refine((text) => parseCursor(text) !== undefined, { error: CURSOR_MESSAGE })
    .optional()
    .openapi({ description: "Taken from the previous page's `next` link" }),
});

export const ExportQuery = z.object({
  format: z
    .enum(['ndjson', 'bundle'], { error: "'format' must be ndjson or bundle" })
    .optional()
    .openapi({ default: 'ndjson' }),
  attachments: z
    .enum(['true', 'false'], { error: "'attachments' must be true or false" })
    .optional()
    .openapi({ default: 'true', description: 'Inline stored attachments as base64 Binary resources' }),
});

export const SearchsetBundle = z
  .object({
    resourceType: z.literal('Bundle'),
    type: z.literal('searchset'),
    entry: z.array(z.object({ resource: z.unknown() })),
    link: z.array(z.object({ relation: z.literal('next'), url: z.string() })).optional(),
  })
  .openapi('SearchsetBundle', { description: 'A page of stored FHIR resources; `link` when there are more' });

const DropReason = z.object({ reason: z.string(), count: z.number().int() });

export const SyncRun = z
  .object({
    id: z.string(),
    status: z.string(),
    reason: z.string().nullable(),
    full: z.boolean(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    resources: z.number().int(),
    pages: z.number().int(),
    bytes: z.number().int(),
    dropped: z.number().int(),
    dropReasons: z.array(DropReason),
    queries: z.array(z.looseObject({ dropReasons: z.array(DropReason).optional() })),
    warnings: z.unknown(),
    errors: z.unknown(),
  })
  .openapi('SyncRun');

const PhaseCoverage = z.object({
  fetched: z.number().int(),
  dropped: z.number().int(),
  unavailable: z.number().int(),
  reasons: z.array(DropReason),
});

export const CoverageReport = z
  .object({
    connectionId: z.string(),
    runId: z.string().nullable(),
    runStatus: z.string().nullable(),
    runFinishedAt: z.string().nullable(),
    entries: z.array(
      z.object({
        key: z.string(),
        resourceType: z.string(),
        category: z.string().nullable(),
        status: z.enum([
          'received',
          'none',
          'not_granted',
          'not_shared',
          'refused',
          'unsupported',
          'rejected',
          'not_available',
          'failed',
          'dropped',
          'pending',
        ]),
        resources: z.number().int(),
        reason: z.string().nullable(),
        dropped: z.number().int(),
        dropReasons: z.array(DropReason),
      }),
    ),
    storedByType: z.record(z.string(), z.number().int()),
    dropped: z.number().int(),
    references: PhaseCoverage,
    attachments: PhaseCoverage,
  })
  .openapi('CoverageReport');

export const SyncQueued = z
  .object({
    connectionId: z.string(),
    status: z.enum(['queued', 'already_queued']),
    full: z.boolean(),
    jobId: z
      .string()
      .nullable()
      .openapi({ description: 'null when an identical waiting sync absorbed this one' }),
  })
  .openapi('SyncQueued');
