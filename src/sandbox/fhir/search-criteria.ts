import type { FhirResource } from '../model.ts';
import { parseFhirDate, readClinicalRange, type TimeRange } from '../data/clinical-date.ts';
import { readCategoryCodes } from '../data/epic-shape.ts';

type Prefix = 'eq' | 'gt' | 'ge' | 'lt' | 'le';

export interface DateBound {
  prefix: Prefix;
  range: TimeRange;
}

/** What a search asks for beyond the patient; absent lists mean "no filter". */
export interface SearchCriteria {
  categories?: string[];
  codes?: string[];
  dates: DateBound[];
  lastUpdated: DateBound[];
}

/** Token values (`system|code`, comma-separated = OR) reduced to their codes. */
export function parseTokens(values: string[]): string[] | undefined {
  if (values.length === 0) return undefined;
  return values.flatMap((value) => value.split(',')).map((token) => token.slice(token.lastIndexOf('|') + 1));
}

/** `ge2020-01-01` style values (repeated = AND); returns the offending value when one does not parse. */
export function parseDateBounds(values: string[]): DateBound[] | { invalid: string } {
  const bounds: DateBound[] = [];
  for (const value of values) {
    const match = /^(eq|gt|ge|lt|le)?(.+)$/.exec(value);
    const range = match?.[2] ? parseFhirDate(match[2]) : undefined;
    if (!match || !range) return { invalid: value };
    bounds.push({ prefix: (match[1] as Prefix | undefined) ?? 'eq', range });
  }
  return bounds;
}

function satisfies(target: TimeRange, bound: DateBound): boolean {
  const { range } = bound;
  switch (bound.prefix) {
    case 'gt':
      return target.end > range.end;
    case 'ge':
      return target.end >= range.start;
    case 'lt':
      return target.start < range.start;
    case 'le':
      return target.start <= range.end;
    default:
      return target.start <= range.end && target.end >= range.start;
  }
}

function readCodes(resource: FhirResource): string[] {
  const concept = resource.code as { coding?: { code?: string }[] } | undefined;
  return (concept?.coding ?? []).map((coding) => coding.code ?? '');
}

/** Whether a resource matches every criterion (resources without a clinical date never match a date filter). */
export function matchesCriteria(resource: FhirResource, criteria: SearchCriteria): boolean {
  if (
    criteria.categories &&
    !readCategoryCodes(resource).some((code) => criteria.categories!.includes(code))
  ) {
    return false;
  }
  if (criteria.codes && !readCodes(resource).some((code) => criteria.codes!.includes(code))) return false;
  if (criteria.dates.length > 0) {
    const range = readClinicalRange(resource);
    if (!range || !criteria.dates.every((bound) => satisfies(range, bound))) return false;
  }
  if (criteria.lastUpdated.length > 0) {
    const updated = resource.meta?.lastUpdated ? Date.parse(resource.meta.lastUpdated) : NaN;
    if (Number.isNaN(updated)) return false;
    const instant = { start: updated, end: updated };
    if (!criteria.lastUpdated.every((bound) => satisfies(instant, bound))) return false;
  }
  return true;
}
