import type { Generated } from 'kysely';
import type {
  DeadLetterTable,
  JobLeaseTable,
  JobScheduleTable,
  JobTable,
  LimitSlotTable,
  NoticeTable,
} from './jobs-schema.ts';
import type {
  DirectoryEndpointSourceTable,
  DirectoryImportTable,
  DirectoryStagingEndpointTable,
  DirectoryStagingOrganizationTable,
} from './directory-schema.ts';

export type {
  DirectoryEndpointSourceTable,
  DirectoryImportTable,
  DirectoryStagingEndpointTable,
  DirectoryStagingOrganizationTable,
};

/**
 * The one schema shared by SQLite and PostgreSQL. Conventions that keep both databases identical:
 * times are epoch milliseconds (BIGINT), booleans are 0/1 INTEGERs, JSON is TEXT, bytes are BLOB/BYTEA.
 * Secrets are stored only sealed (crypto/), in columns ending in `_sealed`.
 */
export interface Database {
  organizations: OrganizationTable;
  endpoints: EndpointTable;
  users: UserTable;
  connect_sessions: ConnectSessionTable;
  launches: LaunchTable;
  connections: ConnectionTable;
  resources: ResourceTable;
  binaries: BinaryTable;
  sync_runs: SyncRunTable;
  sync_query_states: SyncQueryStateTable;
  audit_events: AuditEventTable;
  directory_endpoint_sources: DirectoryEndpointSourceTable;
  directory_imports: DirectoryImportTable;
  directory_staging_organizations: DirectoryStagingOrganizationTable;
  directory_staging_endpoints: DirectoryStagingEndpointTable;
  jobs: JobTable;
  job_leases: JobLeaseTable;
  limit_slots: LimitSlotTable;
  dead_letters: DeadLetterTable;
  job_schedules: JobScheduleTable;
  notices: NoticeTable;
}

export interface OrganizationTable {
  id: string;
  name: string;
  /** The brand this facility belongs to (`partOf`); null for brands and stand-alone organisations. */
  brand_id: string | null;
  kind: 'brand' | 'facility' | 'manual';
  /** JSON array of alternative names. */
  aliases: string;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  website: string | null;
  logo_url: string | null;
  portal_name: string | null;
  portal_url: string | null;
  /** Lower-cased, accent-free words used by search. */
  search_text: string;
  /** The endpoint a patient reaches this organisation through (a facility's is its brand's); 003-directory. */
  endpoint_id: string | null;
  source: string;
  created_at: number;
  updated_at: number;
}

export interface EndpointTable {
  id: string;
  organization_id: string;
  /** The FHIR base URL exactly as published, without a trailing slash. */
  fhir_base: string;
  name: string;
  vendor: 'epic' | 'generic';
  environment: 'production' | 'non-production';
  /** Client id to use here instead of the vendor-wide one. */
  client_id: string | null;
  /** Epic developer-portal OrgId (Endpoint.managingOrganization.identifier). */
  portal_org_id: string | null;
  status: 'active' | 'removed';
  source: string;
  /** A provider's EHR, or a payer's / HIE's API (asked for `Patient/$everything` first); migration 009. */
  kind: Generated<'provider' | 'payer'>;
  /** The SMART scope grammar launches ask in here (`v1`, `v2`, `auto`); null: configuration and vendor default; 014. */
  scope_version: Generated<'v1' | 'v2' | 'auto' | null>;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  id: string;
  created_at: number;
}

export interface ConnectSessionTable {
  id: string;
  /** SHA-256 of the one-time token in the session URL; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  return_url: string | null;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface LaunchTable {
  id: string;
  /** SHA-256 of the OAuth `state`. */
  state_hash: string;
  /** SHA-256 of the browser-binding cookie value set when the launch started. */
  browser_hash: string;
  connect_session_id: string | null;
  user_id: string;
  endpoint_id: string;
  fhir_base: string;
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  client_id: string;
  redirect_uri: string;
  scope: string;
  code_verifier_sealed: string;
  nonce: string;
  return_url: string | null;
  expires_at: number;
  used_at: number | null;
  created_at: number;
  /** JSON snapshot of the discovery the launch started with (iss support, jwks_uri, introspection, revocation). */
  discovery: string | null;
  /** The connection this launch produced or updated. */
  connection_id: string | null;
  /** Why the launch ended without a connection (error code), for the status page. */
  outcome: string | null;
}

export type ConnectionStatus = 'active' | 'needs_reauth' | 'revoked' | 'error' | 'key_error';

export interface ConnectionTable {
  id: string;
  user_id: string;
  endpoint_id: string;
  fhir_base: string;
  issuer: string;
  token_endpoint: string;
  revocation_endpoint: string | null;
  introspection_endpoint: string | null;
  client_id: string;
  patient_id: string;
  fhir_user: string | null;
  scope: string;
  /** What the launch asked for (null on connections made before migration 014): asked minus granted = unticked. */
  requested_scope: Generated<string | null>;
  access_token_sealed: string | null;
  refresh_token_sealed: string | null;
  /** Incremented on every token change; the compare-and-swap guard for refreshes. */
  token_version: number;
  access_expires_at: number | null;
  persistent_access_ends_at: number | null;
  refreshable: number;
  status: ConnectionStatus;
  status_reason: string | null;
  /** Cross-process refresh lease: who holds it and until when. */
  refresh_lease_owner: string | null;
  refresh_lease_until: number | null;
  last_sync_at: number | null;
  created_at: number;
  updated_at: number;
  /** Consecutive failed refresh attempts (transient or invalid_client); reset by a successful refresh. */
  refresh_failures: Generated<number>;
  /** No automatic refresh before this time (backoff after a failure). */
  refresh_retry_at: number | null;
}

export interface ResourceTable {
  connection_id: string;
  resource_type: string;
  resource_id: string;
  version_id: string | null;
  last_updated: string | null;
  json: string;
  hash: string;
  fetched_at: number;
  sync_run_id: string | null;
  /** Sortable newest-version key (005-sync): zero-padded lastUpdated ms then versionId; '' when unknown. */
  version_rank: Generated<string>;
}

export interface BinaryTable {
  connection_id: string;
  binary_id: string;
  content_type: string;
  size: number;
  hash: string;
  data: Buffer | null;
  /**
   * ok: stored; corrupt, too_large: final; refused (4xx) and failed (5xx, timeouts after the client's retries):
   * retried by later syncs on `next_attempt_at`; outside: not under the FHIR base, never fetched (C32).
   */
  status: 'ok' | 'corrupt' | 'refused' | 'too_large' | 'failed' | 'outside';
  fetched_at: number;
  /** Where it lives relative to the FHIR base (`Binary/1`, `document/pdf-1`); null when outside the base (010). */
  source: string | null;
  /** Why it is not stored, in a few words (never a url or an id). */
  reason: string | null;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  attempt_run_id: string | null;
}

export interface SyncRunTable {
  id: string;
  connection_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'retryable' | 'cancelled';
  reason: string | null;
  full: number;
  started_at: number;
  finished_at: number | null;
  /** JSON: per-query counts and outcomes, warnings, errors, and the resume checkpoint. */
  queries: string;
  warnings: string;
  errors: string;
  checkpoint: string | null;
  pages: number;
  bytes: number;
  resources: number;
  /** Searches in the run's plan, once it is built (007-sync-progress); 0 before. */
  queries_total: number;
  /** Entries and attachments received but not stored, all queries and phases together (008-sync-dropped). */
  dropped: Generated<number>;
}

export type SyncQueryStatus = 'pending' | 'running' | 'done' | 'not_granted' | 'not_available' | 'failed';

/** One query of one sync run (005-sync): resume cursor, counts, outcome. */
export interface SyncQueryStateTable {
  run_id: string;
  query_key: string;
  resource_type: string;
  category: string | null;
  status: SyncQueryStatus;
  /** The opaque `next` link to resume from; null before the first page and when done. */
  next_url: string | null;
  resources: number;
  pages: number;
  bytes: number;
  http_status: number | null;
  /** Why nothing (more) arrived, in the server's words when it gave any; never patient data. */
  reason: string | null;
  /** JSON array of warning strings (OperationOutcome issues, skipped entries). */
  warnings: string;
  updated_at: number;
  /** Entries (or attachments, references) received but not stored (008-sync-dropped). */
  dropped: number;
  /** JSON object: why they were not stored → how many; reasons never hold ids, urls or patient data. */
  drop_reasons: string;
  /** Reads the server refused (a referenced resource's 403/404/500): reported, but not our loss. */
  unavailable: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  connection_id: string | null;
  user_id: string | null;
  /** JSON without PHI and without secrets. */
  detail: string;
}
