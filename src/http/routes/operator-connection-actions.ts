import { dayCount, revokedDataDays } from '../../config/safeguards-config.ts';
import type { Context, Hono } from 'hono';
import { disconnectConnection } from '../../connect/disconnect.ts';
import { eraseConnection } from '../../connect/erase-connection.ts';
import type { Services } from '../../services.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { renderConfirmPage, type ConfirmAction } from '../../web/confirm-page.tsx';

type OperatorAction = 'disconnect' | 'erase';

/**
 * The operator's destructive actions on one connection, each behind its confirm page: GET says what will happen,
 * the page's POST (same-origin, SameSite=Strict session) does it. Both are recorded in the audit log.
 */
export function addOperatorConnectionActions(
  routes: Hono,
  services: Services,
  guard: {
    findConnection: (id: string) => Promise<ConnectionRow>;
    checkOrigin: (c: Context) => void;
  },
): void {
  const resources = createResourcesRepository(services.store.db);
  for (const action of ['disconnect', 'erase'] as const) {
    routes.get(`/operator/connections/:id/${action}`, async (c) => {
      const row = await guard.findConnection(c.req.param('id') ?? '');
      const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
      const items = [...(await resources.countByType(row.id)).values()].reduce((a, b) => a + b, 0);
      const days = revokedDataDays(services.config.safeguards);
      const confirm = operatorConfirmation(action, row, endpoint?.name ?? row.fhir_base, items, days);
      return c.html(renderConfirmPage({ area: 'operator', confirm }));
    });
    routes.post(`/operator/connections/:id/${action}`, async (c) => {
      guard.checkOrigin(c);
      const row = await guard.findConnection(c.req.param('id') ?? '');
      // Erase revokes first (through the revocation outbox), fences a running sync and audits the counts.
      if (action === 'erase') await eraseConnection(services, row.id, 'operator');
      else if (row.status !== 'revoked') await disconnectConnection(services, row.id, 'operator');
      return c.redirect(`/operator/connections/${encodeURIComponent(row.id)}`, 303);
    });
  }
}

function operatorConfirmation(
  action: OperatorAction,
  row: ConnectionRow,
  hospital: string,
  items: number,
  revokedDataDays: number,
): ConfirmAction {
  const revoke =
    row.status === 'revoked'
      ? []
      : [`chartbridge revokes its access at ${hospital} and deletes the connection's tokens.`];
  const page = `/operator/connections/${encodeURIComponent(row.id)}`;
  if (action === 'disconnect')
    return {
      title: `Disconnect this connection to ${hospital}?`,
      subject: row.id,
      consequences: [
        ...revoke,
        revokedDataDays > 0
          ? `No more syncs; the ${items} stored item(s) are erased automatically after ${dayCount(revokedDataDays)} (CHARTBRIDGE_REVOKED_DATA_DAYS), or at once with Erase.`
          : `No more syncs; the ${items} stored item(s) are kept until erased (CHARTBRIDGE_REVOKED_DATA_DAYS is 0).`,
        'The patient must connect again to resume.',
      ],
      action: `${page}/disconnect`,
      confirmLabel: 'Yes, disconnect',
      cancelHref: page,
    };
  return {
    title: `Erase this connection's data from ${hospital}?`,
    subject: row.id,
    consequences: [
      ...revoke,
      `Every stored item (${items}), binary and sync run of this connection is deleted. This cannot be undone.`,
    ],
    action: `${page}/erase`,
    confirmLabel: 'Yes, erase its data',
    cancelHref: page,
  };
}
