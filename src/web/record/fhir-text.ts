import type { CodeableConcept, Coding, Period, Quantity } from '@medplum/fhirtypes';
import { humanUnit } from './units.ts';

/** Small, total readers for the FHIR shapes the record pages display. Every one tolerates missing data. */

export function conceptText(concept: CodeableConcept | undefined): string {
  if (!concept) return 'Unnamed';
  return (
    concept.text?.trim() ||
    concept.coding?.find((c) => c.display)?.display?.trim() ||
    concept.coding?.[0]?.code ||
    'Unnamed'
  );
}

export function firstCoding(concept: CodeableConcept | undefined): Coding | undefined {
  return concept?.coding?.find((c) => c.code);
}

/** A stable key for grouping observations of the same kind: the first coding's system|code, else the text. */
export function conceptKey(concept: CodeableConcept | undefined): string {
  const coding = firstCoding(concept);
  return coding ? `${coding.system ?? ''}|${coding.code}` : `text|${conceptText(concept).toLowerCase()}`;
}

export function quantityText(quantity: Quantity | undefined): string {
  if (quantity?.value === undefined) return '';
  const unit = humanUnit(quantity.unit ?? quantity.code);
  return `${formatNumber(quantity.value)}${unit ? ` ${unit}` : ''}`;
}

const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const SMALL = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/**
 * A measured value as a person reads it: every integer digit kept (110 stays 110), at most two decimals from 1 up,
 * three significant digits below 1 (a troponin of 0.003 must not read 0), thousands grouped.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  return (Math.abs(value) >= 1 ? WHOLE : SMALL).format(value);
}

/** The date a clinical event happened, from the usual FHIR fields, as an ISO string or undefined. */
export function eventDate(resource: Record<string, unknown>): string | undefined {
  const candidates = [
    resource.effectiveDateTime,
    (resource.effectivePeriod as Period | undefined)?.start,
    resource.performedDateTime,
    (resource.performedPeriod as Period | undefined)?.start,
    (resource.period as Period | undefined)?.start,
    resource.occurrenceDateTime,
    resource.onsetDateTime,
    resource.authoredOn,
    resource.recordedDate,
    resource.issued,
    resource.date,
  ];
  const found = candidates.find((v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v)));
  return found;
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return 'date unknown';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'date unknown';
  return new Date(time).toISOString().slice(0, 10);
}
