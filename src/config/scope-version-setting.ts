/**
 * An endpoint's SMART scope grammar as configured (`CHARTBRIDGE_SCOPE_VERSION`, `directory add --scope-version`):
 * v1, v2, or `auto` (v2 where discovery says the server has it). smart/scope-version.ts resolves it per launch.
 */
export const SCOPE_VERSION_SETTINGS = ['v1', 'v2', 'auto'] as const;

export type ScopeVersionSetting = (typeof SCOPE_VERSION_SETTINGS)[number];
