import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { AuthorizeRequest } from './authorize-request.ts';
import { createRandomToken } from './random-token.ts';

/** One patient's pass through sign-in and consent, bound to their browser cookie and a CSRF token. */
export interface AuthorizeTransaction {
  id: string;
  browser: string;
  csrfToken: string;
  request: AuthorizeRequest;
  expiresAt: number;
  patientId?: string;
}

const transactionLifetimeMs = 15 * 60_000;

export function createTransactionStore(clock: Clock) {
  const transactions = new Map<string, AuthorizeTransaction>();
  return {
    create(request: AuthorizeRequest, browser: string): AuthorizeTransaction {
      const now = clock.now();
      for (const [id, tx] of transactions) if (tx.expiresAt <= now) transactions.delete(id);
      const tx = {
        id: createRandomToken(24),
        browser,
        csrfToken: createRandomToken(32),
        request,
        expiresAt: now + transactionLifetimeMs,
      };
      transactions.set(tx.id, tx);
      return tx;
    },
    /** The transaction if it is live, belongs to this browser, and the form carried its CSRF token. */
    find(id: string, browser: string | undefined, csrfToken: string): AuthorizeTransaction | undefined {
      const tx = transactions.get(id);
      if (!tx || tx.expiresAt <= clock.now() || browser === undefined) return undefined;
      return equalSecrets(tx.browser, browser) && equalSecrets(tx.csrfToken, csrfToken) ? tx : undefined;
    },
    delete(id: string): void {
      transactions.delete(id);
    },
  };
}

export type TransactionStore = ReturnType<typeof createTransactionStore>;

function equalSecrets(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
