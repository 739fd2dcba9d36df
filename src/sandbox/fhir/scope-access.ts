/**
 * SMART scopes as a second gate after the granted APIs. Epic decides mostly by the app's selected APIs, so a token
 * with no resource scopes at all (only `openid fhirUser`) is not limited here; once any `patient/…` or `user/…`
 * scope is present, a type needs a matching one: `patient/Observation.read`, `patient/*.read`, or v2
 * `patient/Observation.rs` (`r` for reads, `s` for searches). A granular v2 scope
 * (`patient/Observation.rs?category=…|laboratory`) allows only resources of its categories: a search must ask for
 * granted categories only, a read must find one of them on the resource. Without `categories` the check is by
 * type alone (a granular scope allows some of the type).
 */
export function allowsByScope(
  scopes: string[],
  type: string,
  action: 'read' | 'search',
  categories?: readonly string[],
): boolean {
  const resourceScopes = scopes
    .map((scope) => /^(patient|user)\/([A-Za-z*]+)\.([a-z*]+)(?:\?(.*))?$/.exec(scope))
    .filter((match): match is RegExpExecArray => match !== null);
  if (resourceScopes.length === 0) return true;
  const granularCodes = new Set<string>();
  for (const [, , scopeType, permission = '', query] of resourceScopes) {
    if (scopeType !== '*' && scopeType !== type) continue;
    const allowed =
      permission === 'read' || permission === '*' || permission.includes(action === 'read' ? 'r' : 's');
    if (!allowed) continue;
    if (query === undefined || categories === undefined) return true;
    const code = readCategoryConstraint(query);
    if (code !== undefined) granularCodes.add(code);
  }
  if (categories === undefined || categories.length === 0) return false;
  return action === 'search'
    ? categories.every((code) => granularCodes.has(code))
    : categories.some((code) => granularCodes.has(code));
}

/** The category code of a granular scope's `category=system|code` (the sandbox grants no other constraint). */
function readCategoryConstraint(query: string): string | undefined {
  const params = new URLSearchParams(query);
  const value = params.get('category');
  if (value === null || [...params.keys()].length !== 1) return undefined;
  return value.slice(value.lastIndexOf('|') + 1);
}
