import type { ScopeVersionSetting } from '../config/scope-version-setting.ts';
import type { ScopeVersion } from './granted-scopes.ts';

/**
 * The grammar a launch asks in. The endpoint's own setting (`directory add --scope-version`) wins, then
 * `CHARTBRIDGE_SCOPE_VERSION`, then the vendor's default: Epic v1 (docs/epic-setup.md: an Epic app's "SMART Scope
 * Version" is chosen at registration, and the seed registration is v1), everyone else `auto`. `auto` asks v2 when
 * discovery's `capabilities` lists `permission-v2` (App Launch 2.0, required of certified EHRs since 2026), else v1.
 */
export function resolveScopeVersion(input: {
  endpoint: ScopeVersionSetting | null;
  configured: ScopeVersionSetting | undefined;
  vendor: 'epic' | 'generic';
  capabilities: readonly string[];
}): ScopeVersion {
  const setting = input.endpoint ?? input.configured ?? (input.vendor === 'epic' ? 'v1' : 'auto');
  if (setting !== 'auto') return setting;
  return input.capabilities.includes('permission-v2') ? 'v2' : 'v1';
}
