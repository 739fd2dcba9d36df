/**
 * The sandbox EHR's shared model: what the data loader produces, what the authorization server issues and what
 * the FHIR server checks. Kept in one place so the auth and FHIR halves of the sandbox agree.
 */
export type FhirResource = {
  resourceType: string;
  id: string;
  meta?: { versionId?: string; lastUpdated?: string; profile?: string[] };
} & Record<string, unknown>;

export interface SandboxPatient {
  /** FHIR Patient id (Epic-like, may be long and contain '.' and '-'). */
  id: string;
  /** MyChart-style sign-in name; every sandbox patient shares the sandbox password. */
  username: string;
  displayName: string;
}

export interface SandboxOrganization {
  /** Short id used in paths: the FHIR base is `{origin}/{id}/api/FHIR/R4`, the issuer `{origin}/{id}/oauth2`. */
  id: string;
  name: string;
  patients: SandboxPatient[];
}

/** Every resource the sandbox holds, per organisation; the FHIR server reads only through this interface. */
export interface SandboxDataStore {
  organizations(): SandboxOrganization[];
  organization(orgId: string): SandboxOrganization | undefined;
  /** All resources of one type that belong to one patient's compartment, in a stable order. */
  patientResources(orgId: string, patientId: string, resourceType: string): FhirResource[];
  /** One resource by type and id within an organisation (for reads by reference, Binary). */
  read(orgId: string, resourceType: string, id: string): FhirResource | undefined;
}

/** What the authorization server knows about an access token; the FHIR server authorises with it. */
export interface AccessTokenInfo {
  clientId: string;
  orgId: string;
  patientId: string;
  /** Granted scopes, e.g. `patient/Observation.read`. */
  scopes: string[];
  expiresAt: number;
}

export interface SandboxClient {
  clientId: string;
  jwksUrl: string;
  redirectUris: string[];
  /** Epic "Incoming API" labels granted to this client (fixtures/epic/uscdi-r4-api-labels.txt); empty = all. */
  grantedApis: string[];
  /** The SMART scope version the app was registered with (Epic's "SMART Scope Version"); default: the profile's. */
  scopeVersion?: 'v1' | 'v2';
}
