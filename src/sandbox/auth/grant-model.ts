import type { AccessPeriodKey } from './persistent-access.ts';

/** What a patient approved for one client at one organisation; every token it issues hangs off it. */
export interface Grant {
  id: string;
  orgId: string;
  clientId: string;
  patientId: string;
  scopes: string[];
  period: AccessPeriodKey;
  /** End of persistent access (epoch ms); null = indefinite; undefined = no refresh tokens. */
  persistentEnd: number | null | undefined;
  createdAt: number;
  revokedAt?: number;
  revokedReason?: string;
}

export interface AuthorizationCodeRecord {
  orgId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  patientId: string;
  scopes: string[];
  period: AccessPeriodKey;
  nonce?: string;
  expiresAt: number;
  usedAt?: number;
  /** The grant this code created when it was redeemed; revoked if the code is replayed. */
  grantId?: string;
}

export interface AccessTokenRecord {
  grantId: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt?: number;
}

export interface RefreshTokenRecord {
  grantId: string;
  issuedAt: number;
  /** When a newer refresh token replaced this one; presenting it afterwards is reuse. */
  rotatedAt?: number;
  revokedAt?: number;
}

/** Selects grants in the test API; absent fields match everything. */
export interface GrantFilter {
  orgId?: string;
  clientId?: string;
  patientId?: string;
  grantId?: string;
}

export interface GrantSummary {
  id: string;
  orgId: string;
  clientId: string;
  patientId: string;
  scopes: string[];
  period: AccessPeriodKey;
  persistentEnd: number | null | undefined;
  active: boolean;
  revokedReason?: string;
  /** Refresh grants successfully served for this grant. */
  refreshes: number;
}
