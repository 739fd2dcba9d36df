import { Hono, type Context } from 'hono';
import type { Clock } from '../../clock.ts';
import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import { resolveOrgProfiles, type OrgProfile } from '../profiles/org-profiles.ts';
import { servedPageKey, servedResourcesKey } from '../request-log.ts';
import { createApiGrants, readAllApiLabels, type ApiGrants, type ApiLabel } from './api-grants.ts';
import { presentResource } from './attachment-urls.ts';
import { respondBinary } from './binary-response.ts';
import { buildCapabilityStatement } from './capability.ts';
import { serveDocumentPath } from './document-path.ts';
import { epicCodes } from './epic-outcome.ts';
import { startEverything } from './everything-request.ts';
import { respondFhir, respondNotFoundHtml, respondOutcome, respondUnauthorized } from './fhir-responses.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import { buildNextUrl, cursorParams } from './paging-links.ts';
import { readResource } from './read-request.ts';
import { buildSearchPage } from './search-bundle.ts';
import { startSearch } from './search-request.ts';
import {
  createSearchSessions,
  type SearchPage,
  type SearchSessions,
  type StoredSearch,
} from './search-sessions.ts';

export interface FhirAppDeps {
  data: SandboxDataStore;
  /** The authorization server's view of a token; undefined = unknown or revoked. */
  lookupAccessToken(token: string): AccessTokenInfo | undefined;
  /** Epic API labels granted to a client; empty = every label. */
  clientGrants(clientId: string): string[];
  clock: Clock;
  /** Each organisation's server profile (default: every organisation `epic`). */
  profileOf?(orgId: string): OrgProfile | undefined;
  /** Default page size (50). */
  pageSize?: number;
  /** Largest `_count` honoured (100). */
  maxPageSize?: number;
  /** How long a `sessionID` next link stays valid (10 minutes). */
  sessionTtlMs?: number;
  /** Labels a client with no explicit grants receives (default: fixtures/epic/uscdi-r4-api-labels.txt). */
  allLabels?: ApiLabel[];
}

export interface RequestScope {
  orgId: string;
  fhirBase: string;
  profile: OrgProfile;
  token: AccessTokenInfo;
}

interface PageDeps {
  deps: FhirAppDeps;
  sessions: SearchSessions;
  pageSize: number;
  maxPageSize: number;
  grantsOf(clientId: string): ApiGrants;
  profileOf(orgId: string): OrgProfile;
}

/**
 * The sandbox's FHIR R4 server (docs/sandbox.md lists every rule): Epic-style by default (docs/epic-facts.md §5), or as
 * the organisation's server profile says (profiles/server-profile.ts). Routes are relative to the FHIR base: the
 * composer mounts the app at every base path a profile uses, and a request whose path is not its
 * organisation's base answers 404.
 */
export function createFhirApp(deps: FhirAppDeps): Hono {
  const app = new Hono();
  const pageSize = deps.pageSize ?? 50;
  const epicDefault = resolveOrgProfiles(['default'], {}).get('default')!;
  const ctx: PageDeps = {
    deps,
    sessions: createSearchSessions({ clock: deps.clock, ttlMs: deps.sessionTtlMs ?? 10 * 60_000 }),
    pageSize,
    maxPageSize: Math.max(deps.maxPageSize ?? 100, pageSize),
    grantsOf: createGrantsCache(deps.clientGrants, deps.allLabels ?? readAllApiLabels()),
    profileOf: (orgId) => deps.profileOf?.(orgId) ?? epicDefault,
  };
  app.use('*', async (c, next) => (readBase(c, ctx) ? next() : respondNotFoundHtml()));
  app.get('/metadata', (c) => serveMetadata(c, ctx));
  // HAPI-style servers page on the base itself: `{base}?_getpages=…`.
  app.get('/', (c) => search(c, '', new URL(c.req.url).searchParams, ctx));
  app.get('/document/:name', (c) =>
    withScope(c, ctx, (scope) =>
      scope.profile.attachments === 'flaky'
        ? serveDocumentPath(c.req.param('name'), scope, ctx.deps.data)
        : respondUnknown(scope.profile),
    ),
  );
  app.get('/Binary/:id', (c) => {
    const binary = readById(c, 'Binary', ctx);
    return binary instanceof Response ? binary : respondBinary(binary, c.req.header('accept') ?? '');
  });
  // Some vendors serve documents at their own paths under the FHIR base (REAL-WORLD.md): raw bytes, no JSON.
  app.get('/document/Binary/:id', (c) => {
    const binary = readById(c, 'Binary', ctx);
    return binary instanceof Response ? binary : respondBinary(binary, String(binary.contentType ?? ''));
  });
  app.get('/:type/:id/:operation', (c) => everything(c, ctx));
  app.get('/:type/:id', (c) => {
    const resource = readById(c, c.req.param('type'), ctx);
    return resource instanceof Response ? resource : respondFhir(resource);
  });
  app.get('/:type', (c) => search(c, c.req.param('type'), new URL(c.req.url).searchParams, ctx));
  // Servers also accept searches as a form POST to `<Type>/_search`; body parameters join the query's.
  app.post('/:type/_search', async (c) => {
    const params = new URL(c.req.url).searchParams;
    for (const [name, value] of new URLSearchParams(await c.req.text())) params.append(name, value);
    return search(c, c.req.param('type'), params, ctx);
  });
  app.all('*', (c) => respondUnknown(ctx.profileOf(readBase(c, ctx)?.orgId ?? '')));
  return app;
}

/** The organisation and FHIR base of a request, when its path is that organisation's base (letter case too). */
function readBase(c: Context, ctx: PageDeps): { orgId: string; fhirBase: string } | undefined {
  const url = new URL(c.req.url);
  const segment = url.pathname.split('/')[1] ?? '';
  const orgId = decodeURIComponent(segment);
  if (!ctx.deps.data.organization(orgId)) return undefined;
  const profile = ctx.profileOf(orgId);
  const prefix = `/${segment}/${profile.fhirPath}`;
  const rest = url.pathname.slice(prefix.length);
  const head = url.pathname.slice(0, prefix.length);
  const same =
    profile.paging === 'case-shifted' ? head.toLowerCase() === prefix.toLowerCase() : head === prefix;
  if (!same || (rest !== '' && !rest.startsWith('/'))) return undefined;
  return { orgId, fhirBase: `${url.origin}${prefix}` };
}

function respondUnknown(profile: OrgProfile): Response {
  if (profile.searchRules === 'epic') return respondNotFoundHtml();
  return respondGenericOutcome(404, 'not-found', 'no such route on this FHIR server');
}

/** `/metadata` per profile: served to anyone, only with a valid token, or failing with a 500 page. */
function serveMetadata(c: Context, ctx: PageDeps): Response {
  const base = readBase(c, ctx)!;
  const profile = ctx.profileOf(base.orgId);
  if (profile.metadata === 'fails') {
    return new Response('<html><body><h1>500 Internal Server Error</h1></body></html>', {
      status: 500,
      headers: { 'content-type': 'text/html' },
    });
  }
  if (profile.metadata === 'needs-token') {
    const scope = authorize(c, ctx);
    if (scope instanceof Response) return scope;
  }
  const issuer = `${new URL(c.req.url).origin}/${encodeURIComponent(base.orgId)}/oauth2`;
  const orgName = ctx.deps.data.organization(base.orgId)?.name ?? base.orgId;
  return respondFhir(buildCapabilityStatement({ fhirBase: base.fhirBase, issuer, orgName, profile }));
}

function withScope(c: Context, ctx: PageDeps, handle: (scope: RequestScope) => Response): Response {
  const scope = authorize(c, ctx);
  return scope instanceof Response ? scope : handle(scope);
}

function readById(c: Context, resourceType: string, ctx: PageDeps): FhirResource | Response {
  const scope = authorize(c, ctx);
  if (scope instanceof Response) return scope;
  const id = c.req.param('id') ?? '';
  const grants = ctx.grantsOf(scope.token.clientId);
  const resource = readResource({ ...scope, resourceType, id, grants, data: ctx.deps.data });
  if (resource instanceof Response) return resource;
  markServed(c, 1, false);
  return presentResource(scope.profile, resource, scope.fhirBase);
}

function search(c: Context, type: string, params: URLSearchParams, ctx: PageDeps): Response {
  const scope = authorize(c, ctx);
  if (scope instanceof Response) return scope;
  const cursor = cursorParams.map((name) => params.get(name)).find((value) => value !== null);
  if (cursor !== undefined && cursor !== null) return resumePage(c, cursor, type || undefined, scope, ctx);
  if (type === '') return respondUnknown(scope.profile);
  const started = startSearch({
    orgId: scope.orgId,
    resourceType: type,
    params,
    token: scope.token,
    grants: ctx.grantsOf(scope.token.clientId),
    data: ctx.deps.data,
    pageSize: ctx.pageSize,
    maxPageSize: ctx.maxPageSize,
    profile: scope.profile,
  });
  return started instanceof Response ? started : servePage(c, { search: started, offset: 0 }, scope, ctx);
}

/** `Patient/{id}/$everything`, served by payer profiles only (elsewhere the path does not exist). */
function everything(c: Context, ctx: PageDeps): Response {
  const scope = authorize(c, ctx);
  if (scope instanceof Response) return scope;
  if (
    c.req.param('type') !== 'Patient' ||
    c.req.param('operation') !== '$everything' ||
    !scope.profile.everythingOnly
  ) {
    return respondUnknown(scope.profile);
  }
  const params = new URL(c.req.url).searchParams;
  const cursor = cursorParams.map((name) => params.get(name)).find((value) => value !== null);
  if (cursor !== undefined && cursor !== null)
    return resumePage(c, cursor, 'Patient/$everything', scope, ctx);
  const started = startEverything({
    orgId: scope.orgId,
    patientId: c.req.param('id') ?? '',
    params,
    token: scope.token,
    data: ctx.deps.data,
    profile: scope.profile,
    pageSize: ctx.pageSize,
    maxPageSize: ctx.maxPageSize,
  });
  return started instanceof Response ? started : servePage(c, { search: started, offset: 0 }, scope, ctx);
}

/** The page a cursor points at, bound to the same organisation, patient, client and (when known) type. */
function resumePage(
  c: Context,
  cursor: string,
  type: string | undefined,
  scope: RequestScope,
  ctx: PageDeps,
): Response {
  const page = ctx.sessions.resolve(cursor);
  const search: StoredSearch | undefined = page && page !== 'expired' ? page.search : undefined;
  const owned =
    search?.orgId === scope.orgId &&
    search.patientId === scope.token.patientId &&
    search.clientId === scope.token.clientId &&
    (type === undefined || search.resourceType === type);
  if (!owned || !page || page === 'expired') {
    return scope.profile.searchRules === 'epic'
      ? respondOutcome(400, epicCodes.sessionExpired, 'sessionID')
      : respondGenericOutcome(410, 'processing', 'the search paging cursor has expired or is unknown');
  }
  return servePage(c, page, scope, ctx);
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
function authorize(c: Context, ctx: PageDeps): RequestScope | Response {
  const base = readBase(c, ctx);
  if (!base) return respondNotFoundHtml();
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  const token = match?.[1] ? ctx.deps.lookupAccessToken(match[1]) : undefined;
  if (!token || token.expiresAt <= ctx.deps.clock.now() || token.orgId !== base.orgId)
    return respondUnauthorized();
  return { ...base, profile: ctx.profileOf(base.orgId), token };
}

function servePage(c: Context, page: SearchPage, scope: RequestScope, ctx: PageDeps): Response {
  const { search } = page;
  const nextOffset = page.offset + search.count;
  const nextUrl =
    nextOffset < search.matches.length
      ? buildNextUrl(scope.profile, {
          fhirBase: scope.fhirBase,
          path: search.path,
          cursor: ctx.sessions.issue(search, nextOffset),
          offset: nextOffset,
          count: search.count,
          params: search.params,
        })
      : undefined;
  const { bundle, served } = buildSearchPage(page, {
    fhirBase: scope.fhirBase,
    selfUrl: c.req.url,
    nextUrl,
    data: ctx.deps.data,
    profile: scope.profile,
  });
  markServed(c, served, true);
  return respondFhir(bundle);
}

function markServed(c: Context, resources: number, page: boolean): void {
  c.set(servedResourcesKey as never, resources as never);
  if (page) c.set(servedPageKey as never, true as never);
}
