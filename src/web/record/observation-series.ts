import type { Observation } from '@medplum/fhirtypes';
import { conceptKey, conceptText, eventDate } from './fhir-text.ts';
import { humanUnit } from './units.ts';

export interface SeriesPoint {
  at: number;
  value: number;
}

export interface ObservationSeries {
  key: string;
  name: string;
  /** For people (mmHg, not mm[Hg]). */
  unit: string;
  category: 'laboratory' | 'vital-signs';
  points: SeriesPoint[];
  /** Reference range from the newest observation that carries one. */
  low?: number;
  high?: number;
}

/**
 * Groups numeric laboratory and vital-sign observations by code into time series for charts. Blood pressure
 * panels are split into their systolic and diastolic components so each becomes its own line.
 */
export function buildObservationSeries(observations: Observation[]): ObservationSeries[] {
  const byKey = new Map<string, ObservationSeries>();
  for (const observation of observations) {
    const category = categoryOf(observation);
    const at = Date.parse(eventDate(observation as unknown as Record<string, unknown>) ?? '');
    if (!category || Number.isNaN(at)) continue;
    const parts = observation.valueQuantity
      ? [
          {
            code: observation.code,
            quantity: observation.valueQuantity,
            range: observation.referenceRange?.[0],
          },
        ]
      : (observation.component ?? []).map((c) => ({
          code: c.code,
          quantity: c.valueQuantity,
          range: c.referenceRange?.[0],
        }));
    for (const part of parts) {
      if (typeof part.quantity?.value !== 'number' || !Number.isFinite(part.quantity.value)) continue;
      const key = conceptKey(part.code);
      let series = byKey.get(key);
      if (!series) {
        const unit = humanUnit(part.quantity.unit ?? part.quantity.code);
        series = { key, name: conceptText(part.code), unit, category, points: [] };
        byKey.set(key, series);
      }
      series.points.push({ at, value: part.quantity.value });
      if (part.range?.low?.value !== undefined) series.low = part.range.low.value;
      if (part.range?.high?.value !== undefined) series.high = part.range.high.value;
    }
  }
  const all = [...byKey.values()];
  for (const series of all) series.points.sort((a, b) => a.at - b.at);
  return all.sort((a, b) => b.points.length - a.points.length || a.name.localeCompare(b.name));
}

function categoryOf(observation: Observation): ObservationSeries['category'] | undefined {
  const codes = (observation.category ?? []).flatMap((c) => (c.coding ?? []).map((coding) => coding.code));
  if (codes.includes('laboratory')) return 'laboratory';
  if (codes.includes('vital-signs')) return 'vital-signs';
  return undefined;
}
