/**
 * SMART resource scopes read in both grammars (App Launch 1.0 and 2.0), as data: exact inputs give exact grants
 * (granted-scopes.test.ts). v1 `patient/Observation.read` | `.write` | `.*`; v2 `patient/Observation.rs` — letters
 * from `cruds` in that order, each at most once — optionally narrowed by search parameters, a granular scope:
 * `patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory`.
 * Anything else (`openid`, `launch/patient`, a malformed item) is not a resource scope and is ignored here.
 */

export type ScopeVersion = 'v1' | 'v2';

/** One search-parameter constraint of a granular scope, value exactly as granted (`system|code` or `code`). */
export interface ScopeConstraint {
  name: string;
  value: string;
}

export interface ResourceScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or `*` for every type. */
  resourceType: string;
  version: ScopeVersion;
  /** v1 `.read` is reads and searches (`rs`), `.write` is `cud`, `.*` all five. */
  read: boolean;
  search: boolean;
  /** Empty for a whole type; else every constraint must hold (they come from one `?a=1&b=2`). */
  constraints: ScopeConstraint[];
}

/** What a grant lets a client search of one type. */
export type SearchCoverage =
  /** Every resource of the type. */
  | { kind: 'all' }
  /** Only with these constraints: each inner list is one granular scope's (the search must carry them). */
  | { kind: 'some'; constraints: ScopeConstraint[][] }
  | { kind: 'none' };

const SCOPE_PATTERN = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(?:\?(.+))?$/;
const V2_LETTERS = /^c?r?u?d?s?$/;

/** One scope item, or undefined when it is not a well-formed resource scope. */
export function parseResourceScope(item: string): ResourceScope | undefined {
  const match = SCOPE_PATTERN.exec(item);
  if (!match) return undefined;
  const [, context, resourceType, access, query] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
  ];
  const v1 = access === 'read' || access === 'write' || access === '*';
  if (v1 && query !== undefined) return undefined; // granular constraints are v2 only
  if (!v1 && (access.length === 0 || !V2_LETTERS.test(access))) return undefined;
  const constraints = query === undefined ? [] : parseConstraints(query);
  if (constraints === undefined) return undefined;
  const read = v1 ? access !== 'write' : access.includes('r');
  const search = v1 ? access !== 'write' : access.includes('s');
  return {
    context: context as ResourceScope['context'],
    resourceType,
    version: v1 ? 'v1' : 'v2',
    read,
    search,
    constraints,
  };
}

function parseConstraints(query: string): ScopeConstraint[] | undefined {
  const constraints: ScopeConstraint[] = [];
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) return undefined;
    try {
      constraints.push({
        name: decodeURIComponent(pair.slice(0, at)),
        value: decodeURIComponent(pair.slice(at + 1)),
      });
    } catch {
      return undefined;
    }
  }
  return constraints;
}

/** Every resource scope of a space-separated scope string (a token response's `scope`). */
export function parseGrantedScopes(scope: string): ResourceScope[] {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map(parseResourceScope)
    .filter((s): s is ResourceScope => s !== undefined);
}

/** Patient-context scopes (and `user/` ones, which a patient's token may carry) for one type or `*`. */
function scopesFor(scopes: ResourceScope[], resourceType: string): ResourceScope[] {
  return scopes.filter(
    (s) => s.context !== 'system' && (s.resourceType === '*' || s.resourceType === resourceType),
  );
}

/** Whether any resource of `resourceType` may be read by id (a granular scope still reads what it covers). */
export function grantsRead(scopes: ResourceScope[], resourceType: string): boolean {
  return scopesFor(scopes, resourceType).some((s) => s.read);
}

/** Whether the grant allows obtaining `resourceType` at all, by read or search (the plan's coarse test). */
export function grantsAny(scopes: ResourceScope[], resourceType: string): boolean {
  return scopesFor(scopes, resourceType).some((s) => s.read || s.search);
}

/**
 * How much of `resourceType` may be searched: all (a scope without constraints), some (only granular scopes), or
 * none. A v1 `.read` counts as a search permission, as v1 servers treat it.
 */
export function searchCoverage(scopes: ResourceScope[], resourceType: string): SearchCoverage {
  const searchable = scopesFor(scopes, resourceType).filter((s) => s.search);
  if (searchable.length === 0) return { kind: 'none' };
  if (searchable.some((s) => s.constraints.length === 0)) return { kind: 'all' };
  return { kind: 'some', constraints: searchable.map((s) => s.constraints) };
}

/** The code of a token value: `laboratory` of `http://…/observation-category|laboratory` (or of `laboratory`). */
export function tokenCode(value: string): string {
  const bar = value.lastIndexOf('|');
  return bar < 0 ? value : value.slice(bar + 1);
}

/**
 * Whether a search of `resourceType` by one `category` (null: by patient alone) is within the grant. A granular
 * category scope covers that category's search, matched by code (a bare code sent by chartbridge matches the
 * system-qualified token a server grants).
 */
export function coversCategorySearch(
  scopes: ResourceScope[],
  resourceType: string,
  category: string | null,
): boolean {
  const coverage = searchCoverage(scopes, resourceType);
  if (coverage.kind !== 'some') return coverage.kind === 'all';
  if (category === null) return false;
  return coverage.constraints.some(
    (set) => set.length === 1 && set[0]!.name === 'category' && tokenCode(set[0]!.value) === category,
  );
}
