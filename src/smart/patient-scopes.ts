/**
 * The SMART scope grammar in one place: what a launch asks for and how a granted scope string is read. Launches
 * ask SMART v1 (`patient/<Type>.read`); granted scopes are read in v1 (`.read`, `.*`) and v2 (`.r`, `.rs`, …).
 */

/** The read scope asked for one resource type. */
export function patientReadScope(resourceType: string): string {
  return `patient/${resourceType}.read`;
}

/** Whether the granted scope string allows reading `resourceType` (SMART v1 `.read`/`.*`, v2 `.r`/`.rs`). */
export function allowsRead(scope: string, resourceType: string): boolean {
  return scope.split(/\s+/).some((item) => {
    const match = /^(patient|user)\/([A-Za-z*]+)\.(read|\*|c?r?u?d?s?)$/.exec(item);
    if (!match) return false;
    const [, , type, access] = match;
    if (type !== '*' && type !== resourceType) return false;
    return access === 'read' || access === '*' || access!.includes('r') || access!.includes('s');
  });
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
