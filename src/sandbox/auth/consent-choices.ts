/**
 * What a patient may untick at consent on a SMART App Launch 2.0 server (the smart-v2 profile), and the scopes
 * their choice grants: a box per requested resource type, and for the types US Core makes granular (Observation
 * and Condition by category) a box per category instead. Every box of a granular type ticked grants the type
 * whole; some ticked grant one granular scope per ticked category (`patient/Observation.rs?category=…|laboratory`);
 * none drops the type. The Patient itself is always shared, as on real consent screens.
 */

export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_CONDITION_SYSTEM = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';

interface Category {
  code: string;
  system: string;
  label: string;
}

const observation = (code: string, label: string) => ({ code, system: OBSERVATION_CATEGORY_SYSTEM, label });

/** The categories the consent page offers per granular type (US Core's, in words a patient reads). */
export const GRANULAR_CATEGORIES: Readonly<Record<string, readonly Category[]>> = {
  Observation: [
    observation('laboratory', 'Lab results'),
    observation('vital-signs', 'Vital signs'),
    observation('social-history', 'Social history'),
    observation('survey', 'Surveys and screenings'),
    observation('exam', 'Exam findings'),
    observation('imaging', 'Imaging results'),
    observation('procedure', 'Procedure results'),
    observation('therapy', 'Therapy results'),
    observation('activity', 'Activity'),
    observation('sdoh', 'Social needs'),
  ],
  Condition: [
    { code: 'problem-list-item', system: CONDITION_CATEGORY_SYSTEM, label: 'Problem list' },
    { code: 'encounter-diagnosis', system: CONDITION_CATEGORY_SYSTEM, label: 'Visit diagnoses' },
    { code: 'health-concern', system: US_CORE_CONDITION_SYSTEM, label: 'Health concerns' },
  ],
};

/** One box on the consent page: `Observation`, or `Observation:laboratory` for a category. */
export interface ConsentBox {
  id: string;
  label: string;
}

const RESOURCE_SCOPE = /^(patient|user)\/([A-Za-z]+|\*)\.([a-z*]+)$/;

/** Whether a scope's permissions are v2 letters (`rs`), where granular scopes exist, rather than v1 `read`. */
function isV2(permission: string): boolean {
  return permission !== 'read' && permission !== 'write' && permission !== '*';
}

/** The boxes for a request's scopes (each ticked at first). */
export function listConsentBoxes(requested: readonly string[]): ConsentBox[] {
  const boxes: ConsentBox[] = [];
  for (const scope of requested) {
    const match = RESOURCE_SCOPE.exec(scope);
    if (!match || match[2] === 'Patient') continue;
    const [, , type, permission] = match as unknown as [string, string, string, string];
    const categories = isV2(permission) ? GRANULAR_CATEGORIES[type] : undefined;
    if (categories) boxes.push(...categories.map((c) => ({ id: `${type}:${c.code}`, label: c.label })));
    else boxes.push({ id: type, label: type === '*' ? 'Everything' : type });
  }
  return boxes;
}

/**
 * The scopes a consent grants. `shared` holds the ticked boxes (undefined: all ticked); a granular type's id
 * (`Observation`) stands for all its categories. Scopes that are not resource scopes, and Patient's, stay.
 */
export function grantConsentedScopes(
  requested: readonly string[],
  shared: ReadonlySet<string> | undefined,
): string[] {
  if (!shared) return [...requested];
  return requested.flatMap((scope) => {
    const match = RESOURCE_SCOPE.exec(scope);
    if (!match || match[2] === 'Patient') return [scope];
    const [, , type, permission] = match as unknown as [string, string, string, string];
    const categories = isV2(permission) ? GRANULAR_CATEGORIES[type] : undefined;
    if (!categories) return shared.has(type) ? [scope] : [];
    const ticked = categories.filter((c) => shared.has(type) || shared.has(`${type}:${c.code}`));
    if (ticked.length === categories.length) return [scope];
    return ticked.map((c) => `${scope}?category=${c.system}|${c.code}`);
  });
}

/**
 * An app's request against its registration: `v2` refuses a request whose resource scopes are all v1
 * (`patient/X.read`), `v1` one whose resource scopes are all v2; undefined when it may go on.
 */
export function checkScopeRegistration(
  requested: readonly string[],
  registration: 'v1' | 'v2',
): string | undefined {
  const versions = requested
    .map((scope) => /^(patient|user)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(scope))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => (isV2(match[3]!) ? 'v2' : 'v1'));
  if (versions.length === 0 || versions.includes(registration)) return undefined;
  return registration === 'v2'
    ? 'this app is registered for SMART v2 scopes (patient/X.rs); v1 scopes (patient/X.read) are refused'
    : 'this app is registered for SMART v1 scopes (patient/X.read); v2 scopes (patient/X.rs) are refused';
}
