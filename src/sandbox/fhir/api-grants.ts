import { readFileSync } from 'node:fs';
import { fixturesDir } from '../fixtures-dir.ts';
import { observationCategories } from '../data/epic-shape.ts';

/** One Epic "Incoming API" label, e.g. `Observation.Search (Labs) (R4)`. */
export interface ApiLabel {
  label: string;
  type: string;
  action: 'Read' | 'Search';
  subType?: string;
}

/** The category keys each Epic sub-type covers (see resource-kinds.ts for how a resource gets its keys). */
const subTypeKeys: Record<string, Record<string, string[]>> = {
  Observation: {
    Labs: ['laboratory'],
    'Vital Signs': ['vital-signs'],
    'Social History': ['social-history'],
    'SDOH Assessments': ['sdoh'],
    Assessments: ['survey'],
    'Study Finding': ['imaging'],
    'SmartData Elements': observationCategories.filter(
      (code) => !['laboratory', 'vital-signs', 'social-history', 'sdoh', 'survey', 'imaging'].includes(code),
    ),
  },
  Condition: {
    Problems: ['problem-list-item'],
    'Encounter Diagnosis': ['encounter-diagnosis'],
    'Health Concerns': ['health-concern'],
    'Care Plan Problem': ['care-plan-problem'],
  },
  CarePlan: { Longitudinal: ['38717003', 'assess-plan'], Encounter: ['734163000', 'assess-plan'] },
  DocumentReference: {
    'Clinical Notes': ['clinical-note'],
    'Generated CDAs': ['summary-document'],
    Labs: ['lab-document'],
  },
  Binary: {
    'Clinical Notes': ['clinical-note'],
    'Generated CDAs': ['summary-document'],
    Labs: ['lab-document'],
  },
};

/** Types whose access is decided per category key rather than per type. */
export const categorisedTypes = new Set(Object.keys(subTypeKeys));

const labelPattern = /^([A-Za-z]+)\.(Read|Search)(?: \(([^)]+)\))? \(R4\)$/;

export function parseApiLabel(label: string): ApiLabel | undefined {
  const match = labelPattern.exec(label.trim());
  if (!match) return undefined;
  return {
    label: label.trim(),
    type: match[1] ?? '',
    action: match[2] as 'Read' | 'Search',
    subType: match[3],
  };
}

/** Every label of fixtures/epic/uscdi-r4-api-labels.txt (what a client with no explicit grants receives). */
export function readAllApiLabels(path = `${fixturesDir}epic/uscdi-r4-api-labels.txt`): ApiLabel[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .flatMap((line) => parseApiLabel(line) ?? []);
}

/**
 * What one client may do, from its granted labels: per action and type either everything (`'all'`), a set of
 * category keys, or nothing (absent). An empty grant list means every label. Types the label list does not name
 * at all (QuestionnaireResponse, FamilyMemberHistory) are open only to clients with every label.
 */
export interface ApiGrants {
  allows(action: 'Read' | 'Search', type: string, keys?: string[]): boolean;
  /** True when the client lacks some sub-type of the type (searches then warn with 59204). */
  isPartial(action: 'Read' | 'Search', type: string): boolean;
}

export function createApiGrants(granted: string[], allLabels: ApiLabel[]): ApiGrants {
  const everything = granted.length === 0;
  const labels = everything ? allLabels : granted.flatMap((label) => parseApiLabel(label) ?? []);
  const named = new Set(allLabels.map((label) => label.type));
  const access = new Map<string, Set<string> | 'all'>();
  for (const label of labels) {
    const key = `${label.action}:${label.type}`;
    const keys = label.subType ? subTypeKeys[label.type]?.[label.subType] : undefined;
    if (!keys) {
      access.set(key, 'all');
      continue;
    }
    const current = access.get(key);
    if (current === 'all') continue;
    access.set(key, new Set([...(current ?? []), ...keys]));
  }
  return {
    allows(action, type, keys) {
      if (everything) return true;
      if (!named.has(type)) return false;
      const allowed = access.get(`${action}:${type}`);
      if (!allowed) return false;
      if (allowed === 'all' || !keys || !categorisedTypes.has(type)) return true;
      return keys.some((key) => allowed.has(key));
    },
    isPartial(action, type) {
      if (everything || !categorisedTypes.has(type)) return false;
      const allowed = access.get(`${action}:${type}`);
      const all = Object.values(subTypeKeys[type] ?? {}).flat();
      return allowed !== 'all' && all.some((key) => !allowed?.has(key));
    },
  };
}
