import { ChartbridgeError } from '../../errors.ts';
import { faultKinds, type FaultKind, type FaultRule } from './fault-rule.ts';

const numberFields = ['status', 'ms', 'bytes', 'count', 'times', 'afterRequests'] as const;
const stringFields = ['org', 'route', 'retryAfter', 'origin'] as const;

/**
 * Parses the command-line form: rules separated by `;`, each a comma list of `key=value`, e.g.
 * `org=org-a,route=Observation,kind=status,status=503,retryAfter=2,times=3;kind=latency,ms=200`.
 */
export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseFaultRule);
}

function parseFaultRule(text: string): FaultRule {
  const fields = new Map<string, string>();
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalid(`fault field "${pair.trim()}" is not key=value`);
    fields.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  const kind = fields.get('kind');
  if (!kind || !(faultKinds as readonly string[]).includes(kind)) {
    throw invalid(`fault kind "${kind ?? ''}" is unknown; use one of ${faultKinds.join(', ')}`);
  }
  const rule: FaultRule = { kind: kind as FaultKind };
  fields.delete('kind');
  for (const [key, value] of fields) assignField(rule, key, value);
  return rule;
}

function assignField(rule: FaultRule, key: string, value: string): void {
  if ((numberFields as readonly string[]).includes(key)) {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw invalid(`fault field "${key}" must be a whole number`);
    (rule as unknown as Record<string, number>)[key] = parsed;
    return;
  }
  if ((stringFields as readonly string[]).includes(key)) {
    if (key === 'route') assertRoute(value);
    (rule as unknown as Record<string, string>)[key] = value;
    return;
  }
  throw invalid(
    `fault field "${key}" is unknown; use org, route, kind, status, retryAfter, ms, bytes, count, origin, times or afterRequests`,
  );
}

function assertRoute(value: string): void {
  try {
    new RegExp(value);
  } catch {
    throw invalid(`fault route "${value}" is not a valid regular expression`);
  }
}

function invalid(message: string): ChartbridgeError {
  return new ChartbridgeError('ERR_INVALID_INPUT', message);
}
