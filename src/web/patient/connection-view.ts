import type { ConnectionRow } from '../../store/connection-repository.ts';
import { statusText } from '../status-text.ts';

/** What the patient's pages show about one connection: health facts only, never tokens or internal ids. */
export interface PatientConnectionView {
  id: string;
  hospital: string;
  status: ConnectionRow['status'];
  refreshable: boolean;
  persistentAccessEndsAt: number | null;
  lastSyncAt: number | null;
  connectedAt: number;
  resources: number;
}

export function describeStatus(view: PatientConnectionView): string {
  return statusText('connection', view.status, 'patient');
}

export function describeAccess(view: PatientConnectionView): string {
  if (view.status === 'revoked') return 'ended';
  if (!view.refreshable) return 'just this once: connect again to get newer results';
  if (view.persistentAccessEndsAt) return `until ${formatDay(view.persistentAccessEndsAt)}`;
  return 'until you disconnect';
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
