/** The directory's import bookkeeping tables (migration 003-directory); the Database interface lists them. */

/** Which directory sources publish an endpoint (003-directory); an endpoint is removed when none does. */
export interface DirectoryEndpointSourceTable {
  endpoint_id: string;
  source: string;
  organization_id: string;
  name: string;
  portal_org_id: string | null;
}

export interface DirectoryImportTable {
  id: string;
  source: string;
  /** File path or URL the import read (never credentials: URLs with userinfo are refused). */
  location: string;
  status: 'running' | 'succeeded' | 'failed' | 'refused' | 'unchanged';
  content_hash: string | null;
  /** JSON: organisations, endpoints, skipped and broken counts. */
  counts: string;
  /** JSON: added, removed, renamed, moved. */
  diff: string;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

/** One organisation of an import in progress, references still unresolved (`*_ref` are the bundle's strings). */
export interface DirectoryStagingOrganizationTable {
  import_id: string;
  id: string;
  ref_url: string | null;
  ref_local: string;
  name: string;
  kind: 'brand' | 'facility' | 'manual';
  part_of_ref: string | null;
  endpoint_ref: string | null;
  brand_id: string | null;
  endpoint_id: string | null;
  aliases: string;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  website: string | null;
  logo_url: string | null;
  portal_name: string | null;
  portal_url: string | null;
  search_text: string;
}

export interface DirectoryStagingEndpointTable {
  import_id: string;
  /** Order in the file: the first of several entries with the same normalised base wins. */
  seq: number;
  /** Null when skipped. */
  id: string | null;
  ref_url: string | null;
  ref_local: string;
  fhir_base: string | null;
  name: string;
  managing_ref: string | null;
  portal_org_id: string | null;
  skip_reason: string | null;
}
