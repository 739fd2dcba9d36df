import { dayCount } from '../../config/safeguards-config.ts';
import type { ConfirmAction } from '../confirm-page.tsx';
import type { PatientConnectionView } from './connection-view.ts';

/** The patient's destructive actions and what each does, said in the words of the confirm page. */
export type PatientDestructiveAction = 'disconnect' | 'delete';

/** `revokedDataDays`: CHARTBRIDGE_REVOKED_DATA_DAYS, after which a disconnected copy is erased (0: never). */
export function patientConfirmation(
  action: PatientDestructiveAction,
  view: PatientConnectionView,
  csrfToken: string,
  revokedDataDays: number,
): ConfirmAction {
  const base = `/my/connections/${encodeURIComponent(view.id)}`;
  const items = `${view.resources} item${view.resources === 1 ? '' : 's'}`;
  const stillConnected = view.status !== 'revoked';
  const untouched = `Your record at ${view.hospital} itself is not changed.`;
  if (action === 'disconnect')
    return {
      title: `Disconnect ${view.hospital}?`,
      consequences: [
        `chartbridge asks ${view.hospital} to end its access and forgets its keys: your record stops updating.`,
        revokedDataDays > 0
          ? `The copy kept here (${items}) is deleted automatically ${dayCount(revokedDataDays)} after you disconnect; you can delete it sooner from My hospitals.`
          : `The copy kept here (${items}) is kept until you delete it from My hospitals.`,
        'To update it again you will need to sign in at the hospital again.',
        untouched,
      ],
      action: `${base}/disconnect`,
      confirmLabel: 'Yes, disconnect',
      cancelHref: '/my',
      csrfToken,
    };
  return {
    title: `Delete your data from ${view.hospital}?`,
    consequences: [
      ...(stillConnected
        ? [`chartbridge asks ${view.hospital} to end its access and forgets its keys.`]
        : []),
      `The copy kept here is deleted: ${items}, its documents and its update history. This cannot be undone.`,
      untouched,
    ],
    action: `${base}/delete`,
    confirmLabel: stillConnected ? 'Yes, disconnect and delete my data' : 'Yes, delete my data',
    cancelHref: '/my',
    csrfToken,
  };
}
