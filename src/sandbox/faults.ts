import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { FaultRule } from './faults/fault-rule.ts';
import { parseFaultSpec } from './faults/parse-fault-spec.ts';
import {
  compressionBomb,
  dropEntryResources,
  foreignAttachments,
  foreignNext,
  malformBody,
  oversizeBody,
  resetMidBody,
  respondWithStatus,
  slowBody,
  stripHeaders,
  type Sleep,
} from './faults/fault-responses.ts';
import { deepNesting, endlessNext, longString, manyEntries } from './faults/hostile-bodies.ts';

export type { FaultKind, FaultRule } from './faults/fault-rule.ts';
export { faultKinds } from './faults/fault-rule.ts';

/**
 * Faults on demand, per organisation and per route. Mount the middleware outside the FHIR and OAuth apps (inside
 * the request log, so the log records what the client really got). Rules come from the CLI (`--faults`) or tests.
 */
export interface Faults {
  middleware: MiddlewareHandler;
  add(rule: FaultRule): void;
  clear(): void;
  parse(spec: string): FaultRule[];
  rules(): FaultRule[];
}

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp | undefined;
  seen: number;
  applied: number;
}

const resourceTypeName = /^[A-Z][A-Za-z]+$/;

export function createFaults(opts: { rules?: FaultRule[]; sleep?: Sleep } = {}): Faults {
  const sleep: Sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  let active: ActiveRule[] = [];
  // Compressed bombs by decoded size: built once, they take a moment to deflate.
  const bombs = new Map<number, Uint8Array<ArrayBuffer>>();
  const add = (rule: FaultRule): void => {
    const pattern = rule.route && !resourceTypeName.test(rule.route) ? new RegExp(rule.route) : undefined;
    active.push({ rule, pattern, seen: 0, applied: 0 });
  };
  for (const rule of opts.rules ?? []) add(rule);

  const middleware: MiddlewareHandler = async (c, next) => {
    const due = selectDueRules(active, new URL(c.req.url).pathname);
    for (const entry of due.filter((item) => item.rule.kind === 'latency'))
      await sleep(entry.rule.ms ?? 1000);
    const fault = due.find((item) => item.rule.kind !== 'latency');
    if (!fault) return next();
    if (fault.rule.kind === 'status') return respondWithStatus(fault.rule);
    await next();
    c.res = await breakResponse(c, fault.rule, { sleep, bombs });
  };

  return {
    middleware,
    add,
    clear: () => {
      active = [];
    },
    parse: parseFaultSpec,
    rules: () => active.map((item) => item.rule),
  };
}

/** Rules that match this path and are due now; counting here makes `afterRequests` and `times` exact. */
function selectDueRules(active: ActiveRule[], pathname: string): ActiveRule[] {
  const due: ActiveRule[] = [];
  for (const entry of active) {
    if (!matchesRoute(entry, pathname)) continue;
    entry.seen += 1;
    if (entry.seen <= (entry.rule.afterRequests ?? 0)) continue;
    if (entry.rule.times !== undefined && entry.applied >= entry.rule.times) continue;
    entry.applied += 1;
    due.push(entry);
  }
  return due;
}

function matchesRoute(entry: ActiveRule, pathname: string): boolean {
  const segments = pathname.split('/').map((segment) => decodeURIComponent(segment));
  if (entry.rule.org !== undefined && segments[1] !== entry.rule.org) return false;
  const route = entry.rule.route;
  if (route === undefined) return true;
  if (entry.pattern) return entry.pattern.test(pathname);
  const base = segments.indexOf('R4');
  return base >= 0 && segments[base + 1] === route;
}

/** `@hono/node-server` passes the Node request as `c.env.incoming`; its socket is what a reset closes. */
function readSocketDestroyer(c: Context): (() => void) | undefined {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
  return socket ? () => socket.destroy() : undefined;
}

async function breakResponse(
  c: Context,
  rule: FaultRule,
  { sleep, bombs }: { sleep: Sleep; bombs: Map<number, Uint8Array<ArrayBuffer>> },
): Promise<Response> {
  const res = c.res;
  switch (rule.kind) {
    case 'reset':
      return resetMidBody(res, readSocketDestroyer(c));
    case 'slow-body':
      return slowBody(res, rule, sleep);
    case 'oversized':
      return oversizeBody(res, rule);
    case 'malformed':
      return malformBody(res);
    case 'foreign-next':
      return foreignNext(res, rule);
    case 'no-resource':
      return dropEntryResources(res);
    case 'no-headers':
      return stripHeaders(res);
    case 'foreign-attachment':
      return foreignAttachments(res, rule);
    case 'compression-bomb':
      return compressionBomb(res, rule, bombs);
    case 'many-entries':
      return manyEntries(res, rule);
    case 'long-string':
      return longString(res, rule);
    case 'deep-nesting':
      return deepNesting(res, rule);
    case 'endless-next':
      return endlessNext(res, c.req.url);
    default:
      return res;
  }
}
