/** The kinds of misbehaviour the sandbox can inject (docs/sandbox.md describes each one). */
export const faultKinds = [
  'latency',
  'status',
  'reset',
  'slow-body',
  'oversized',
  'malformed',
  'foreign-next',
  'no-headers',
  'no-resource',
  'foreign-attachment',
  'compression-bomb',
  'many-entries',
  'long-string',
  'deep-nesting',
  'endless-next',
] as const;

export type FaultKind = (typeof faultKinds)[number];

export interface FaultRule {
  /** Organisation id (first path segment); absent = every organisation. */
  org?: string;
  /** A FHIR resource type (`Observation`) or a regular expression tested against the path; absent = every route. */
  route?: string;
  kind: FaultKind;
  /** HTTP status for `status` (default 503). */
  status?: number;
  /** `Retry-After` value for `status`: delay seconds (`2`) or an HTTP date. */
  retryAfter?: string;
  /** Delay for `latency` (default 1000) and the gap between bytes for `slow-body` (default 1000). */
  ms?: number;
  /** Body size for `oversized` (default 16 MiB) and decoded size for `compression-bomb` (default 64 MiB). */
  bytes?: number;
  /** Origin `foreign-next` and `foreign-attachment` point at (default `https://foreign.invalid`). */
  origin?: string;
  /** Entries for `many-entries` (default 1,000,000), depth for `deep-nesting` (default 200,000). */
  count?: number;
  /** Apply at most this many times, then stop. */
  times?: number;
  /** Let this many matching requests through untouched before applying. */
  afterRequests?: number;
}
