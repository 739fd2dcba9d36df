/**
 * SMART scopes as a second gate after the granted APIs. Epic decides mostly by the app's selected APIs, so a token
 * with no resource scopes at all (only `openid fhirUser`) is not limited here; once any `patient/…` or `user/…`
 * scope is present, a type needs a matching one: `patient/Observation.read`, `patient/*.read`, or v2
 * `patient/Observation.rs` (`r` for reads, `s` for searches).
 */
export function allowsByScope(scopes: string[], type: string, action: 'read' | 'search'): boolean {
  const resourceScopes = scopes
    .map((scope) => /^(patient|user)\/([A-Za-z*]+)\.([a-z*]+)(\?.*)?$/.exec(scope))
    .filter((match): match is RegExpExecArray => match !== null);
  if (resourceScopes.length === 0) return true;
  return resourceScopes.some(([, , scopeType, permission = '']) => {
    if (scopeType !== '*' && scopeType !== type) return false;
    if (permission === 'read' || permission === '*') return true;
    return permission.includes(action === 'read' ? 'r' : 's');
  });
}
