import { Hono, type Context } from 'hono';
import type { Clock } from '../../clock.ts';
import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import { servedPageKey, servedResourcesKey } from '../request-log.ts';
import { createApiGrants, readAllApiLabels, type ApiGrants, type ApiLabel } from './api-grants.ts';
import { buildCapabilityStatement } from './capability.ts';
import { epicCodes } from './epic-outcome.ts';
import { respondFhir, respondNotFoundHtml, respondOutcome, respondUnauthorized } from './fhir-responses.ts';
import { readResource } from './read-request.ts';
import { buildSearchPage } from './search-bundle.ts';
import { startSearch } from './search-request.ts';
import { createSearchSessions, type SearchPage, type SearchSessions } from './search-sessions.ts';

export interface FhirAppDeps {
  data: SandboxDataStore;
  /** The authorization server's view of a token; undefined = unknown or revoked. */
  lookupAccessToken(token: string): AccessTokenInfo | undefined;
  /** Epic API labels granted to a client; empty = every label. */
  clientGrants(clientId: string): string[];
  clock: Clock;
  /** Default page size (50). */
  pageSize?: number;
  /** Largest `_count` honoured (100). */
  maxPageSize?: number;
  /** How long a `sessionID` next link stays valid (10 minutes). */
  sessionTtlMs?: number;
  /** Labels a client with no explicit grants receives (default: fixtures/epic/uscdi-r4-api-labels.txt). */
  allLabels?: ApiLabel[];
}

interface RequestScope {
  orgId: string;
  orgName: string;
  fhirBase: string;
  token: AccessTokenInfo;
}

/**
 * The sandbox's FHIR R4 server, Epic-style (EPIC.md §5; docs/sandbox.md lists every rule). Routes are relative
 * to the FHIR base: the composer mounts it at `/:orgId/api/FHIR/R4`, and the organisation comes from that param.
 */
export function createFhirApp(deps: FhirAppDeps): Hono {
  const app = new Hono();
  const pageSize = deps.pageSize ?? 50;
  const ctx: PageDeps = {
    deps,
    sessions: createSearchSessions({ clock: deps.clock, ttlMs: deps.sessionTtlMs ?? 10 * 60_000 }),
    pageSize,
    maxPageSize: Math.max(deps.maxPageSize ?? 100, pageSize),
    grantsOf: createGrantsCache(deps.clientGrants, deps.allLabels ?? readAllApiLabels()),
  };
  app.get('/metadata', (c) => {
    const org = deps.data.organization(c.req.param('orgId') ?? '');
    if (!org) return respondNotFoundHtml();
    return respondFhir(buildCapabilityStatement(new URL(c.req.url).origin, org.id, org.name));
  });
  app.get('/Binary/:id', (c) => {
    const binary = readById(c, 'Binary', ctx);
    return binary instanceof Response ? binary : respondBinary(binary, c.req.header('accept') ?? '');
  });
  // Some vendors serve documents at their own paths under the FHIR base (REAL-WORLD.md): raw bytes, no JSON.
  app.get('/document/Binary/:id', (c) => {
    const binary = readById(c, 'Binary', ctx);
    return binary instanceof Response ? binary : respondBinary(binary, String(binary.contentType ?? ''));
  });
  app.get('/:type/:id', (c) => {
    const resource = readById(c, c.req.param('type'), ctx);
    return resource instanceof Response ? resource : respondFhir(resource);
  });
  app.get('/:type', (c) => search(c, new URL(c.req.url).searchParams, ctx));
  // Epic also accepts searches as a form POST to `<Type>/_search`; body parameters join the query's.
  app.post('/:type/_search', async (c) => {
    const params = new URL(c.req.url).searchParams;
    for (const [name, value] of new URLSearchParams(await c.req.text())) params.append(name, value);
    return search(c, params, ctx);
  });
  app.all('*', () => respondNotFoundHtml());
  return app;
}

function readById(c: Context, resourceType: string, ctx: PageDeps): FhirResource | Response {
  const scope = authorize(c, ctx.deps);
  if (scope instanceof Response) return scope;
  const id = c.req.param('id') ?? '';
  const grants = ctx.grantsOf(scope.token.clientId);
  const resource = readResource({ ...scope, resourceType, id, grants, data: ctx.deps.data });
  if (!(resource instanceof Response)) markServed(c, 1, false);
  return resource;
}

function search(c: Context, params: URLSearchParams, ctx: PageDeps): Response {
  const scope = authorize(c, ctx.deps);
  if (scope instanceof Response) return scope;
  const page = openPage(c.req.param('type') ?? '', params, scope, ctx);
  if (page instanceof Response) return page;
  return servePage(c, page, scope, ctx.sessions, ctx.deps.data);
}

/** Grants per client, rebuilt only when the client's label list changes (the portal can approve more). */
function createGrantsCache(clientGrants: FhirAppDeps['clientGrants'], allLabels: ApiLabel[]) {
  const cache = new Map<string, { key: string; grants: ApiGrants }>();
  return (clientId: string): ApiGrants => {
    const labels = clientGrants(clientId);
    const key = labels.join('\n');
    const hit = cache.get(clientId);
    if (hit?.key === key) return hit.grants;
    const grants = createApiGrants(labels, allLabels);
    cache.set(clientId, { key, grants });
    return grants;
  };
}

/** Bearer check: missing, unknown/revoked, expired or another organisation's token → 401. */
function authorize(c: Context, deps: FhirAppDeps): RequestScope | Response {
  const org = deps.data.organization(c.req.param('orgId') ?? '');
  if (!org) return respondNotFoundHtml();
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  const token = match?.[1] ? deps.lookupAccessToken(match[1]) : undefined;
  if (!token || token.expiresAt <= deps.clock.now() || token.orgId !== org.id) return respondUnauthorized();
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf('/api/FHIR/R4');
  const fhirBase = url.origin + (at >= 0 ? url.pathname.slice(0, at + '/api/FHIR/R4'.length) : '');
  return { orgId: org.id, orgName: org.name, fhirBase, token };
}

interface PageDeps {
  deps: FhirAppDeps;
  sessions: SearchSessions;
  pageSize: number;
  maxPageSize: number;
  grantsOf(clientId: string): ApiGrants;
}

/** A fresh search, or the page a `sessionID` cursor points at (bound to the same patient, client and type). */
function openPage(
  type: string,
  params: URLSearchParams,
  scope: RequestScope,
  ctx: PageDeps,
): SearchPage | Response {
  const sessionId = params.get('sessionID');
  if (sessionId !== null) {
    const page = ctx.sessions.resolve(sessionId);
    const search = page && page !== 'expired' ? page.search : undefined;
    const owned =
      search?.orgId === scope.orgId &&
      search.patientId === scope.token.patientId &&
      search.clientId === scope.token.clientId &&
      search.resourceType === type;
    if (!owned || !page || page === 'expired')
      return respondOutcome(400, epicCodes.sessionExpired, 'sessionID');
    return page;
  }
  const search = startSearch({
    orgId: scope.orgId,
    resourceType: type,
    params,
    token: scope.token,
    grants: ctx.grantsOf(scope.token.clientId),
    data: ctx.deps.data,
    pageSize: ctx.pageSize,
    maxPageSize: ctx.maxPageSize,
  });
  return search instanceof Response ? search : { search, offset: 0 };
}

function servePage(
  c: Context,
  page: SearchPage,
  scope: RequestScope,
  sessions: SearchSessions,
  data: SandboxDataStore,
): Response {
  const nextOffset = page.offset + page.search.count;
  const nextUrl =
    nextOffset < page.search.matches.length
      ? `${scope.fhirBase}/${page.search.resourceType}?sessionID=${sessions.issue(page.search, nextOffset)}`
      : undefined;
  const { bundle, served } = buildSearchPage(page, {
    fhirBase: scope.fhirBase,
    selfUrl: c.req.url,
    nextUrl,
    data,
  });
  markServed(c, served, true);
  return respondFhir(bundle);
}

function markServed(c: Context, resources: number, page: boolean): void {
  c.set(servedResourcesKey as never, resources as never);
  if (page) c.set(servedPageKey as never, true as never);
}

const fhirJsonTypes = ['application/fhir+json', 'application/json+fhir', 'application/json'];

/**
 * `Binary/{id}`: the raw bytes when the client asks for the content type (or its `type/*`), otherwise the JSON
 * Binary with base64 `data` (also for `*\/*` or no Accept at all).
 */
function respondBinary(binary: FhirResource, accept: string): Response {
  const contentType = String(binary.contentType ?? 'application/octet-stream');
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  const wanted = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const raw =
    !wanted.some((type) => fhirJsonTypes.includes(type)) &&
    wanted.some((type) => type === base || type === `${base.split('/')[0]}/*`);
  if (!raw) return respondFhir(binary);
  return new Response(Buffer.from(String(binary.data ?? ''), 'base64'), {
    headers: { 'content-type': contentType },
  });
}
