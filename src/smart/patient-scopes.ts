import { grantsAny, parseGrantedScopes, type ScopeVersion } from './granted-scopes.ts';

/**
 * What a launch asks for, in the endpoint's grammar (SMART v1 `patient/<Type>.read` or v2 `patient/<Type>.rs`),
 * and whether a granted scope string allows reading a type (either grammar; granted-scopes.ts reads them).
 */

/** The read scope asked for one resource type: v1 `.read`, v2 `.rs` (read by id and search). */
export function patientReadScope(resourceType: string, version: ScopeVersion = 'v1'): string {
  return `patient/${resourceType}.${version === 'v2' ? 'rs' : 'read'}`;
}

/** Whether the granted scope string allows obtaining `resourceType` at all (v1 `.read`/`.*`, v2 `r` or `s`). */
export function allowsRead(scope: string, resourceType: string): boolean {
  return grantsAny(parseGrantedScopes(scope), resourceType);
}

/**
 * The types of `wanted` a server offers, from its `scopes_supported`: all of them when it lists none of its
 * resource scopes, or a wildcard (`patient/*.read`); else those it names (`patient/Observation.read`, `.rs`, …).
 */
export function selectOfferedTypes(wanted: readonly string[], scopesSupported: readonly string[]): string[] {
  const named = new Set<string>();
  for (const scope of scopesSupported) {
    const match = /^patient\/([A-Za-z*]+)\./.exec(scope);
    if (!match) continue;
    if (match[1] === '*') return [...wanted];
    named.add(match[1]!);
  }
  return named.size === 0 ? [...wanted] : wanted.filter((type) => named.has(type));
}
