/**
 * Which "Incoming APIs" a patient-facing USCDI app selects (docs/epic-facts.md §6): every option flagged USCDI v3 or USCDI
 * read-only whose label contains "(R4)". Shared with the browser-console scope script (bundled): plain functions,
 * no imports.
 */
export interface ApiOption {
  label: string;
  uscdiV3: boolean;
  uscdiReadOnly: boolean;
}

/** Labels to select, unique and sorted. */
export function selectScopeLabels(options: ApiOption[]): string[] {
  const labels = options
    .filter((option) => (option.uscdiV3 || option.uscdiReadOnly) && option.label.includes('(R4)'))
    .map((option) => option.label.trim());
  return [...new Set(labels)].sort((a, b) => a.localeCompare(b));
}

/** Reads Epic's attribute values ("True"/"False", any case). */
export function readFlag(value: string | null | undefined): boolean {
  return (value ?? '').trim().toLowerCase() === 'true';
}
