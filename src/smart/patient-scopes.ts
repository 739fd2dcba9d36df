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
