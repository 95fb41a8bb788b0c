/**
 * Refund and revoke (docs/lifecycle.md §4.4): a refund gives money back and changes
 * nothing else; a revoke removes access at once, stops renewal and may refund the latest payment.
 */
import { refundableBalance } from './money-movement';
import { creditAt } from './plan-change';
import { unsettledOrdersToReconcile } from './purchase-reconciliation';
import { periodPrice } from './subscription';
import { isTerminal } from './subscription-status';
import {
  ruleRejection,
  stateRejection,
  touched,
  type Rejection,
  type RevokeRefund,
  type SubscriptionState,
} from './subscription-state';

export const REVOKE_REFUNDS = ['none', 'prorated', 'full'] as const satisfies readonly RevokeRefund[];

export function revokeRejection(s: SubscriptionState, refund: RevokeRefund): Rejection | null {
  if (!REVOKE_REFUNDS.includes(refund)) return ruleRejection('invalid-revoke-refund', `refund must be one of ${REVOKE_REFUNDS.join(', ')}`);
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is already ${s.status}; refund its payments instead`);
  return null;
}

/**
 * What a revoke refunds from the latest payment: nothing, the whole remaining balance, or the
 * unused part of the current paid period (0 when the current period is unpaid or paused).
 */
export function revokeRefundAmount(s: SubscriptionState, refund: RevokeRefund, atMs: number): number {
  if (!s.lastPayment || refund === 'none') return 0;
  const balance = refundableBalance(s, s.lastPayment.paymentId) ?? 0;
  if (refund === 'full') return balance;
  const paidPeriod = s.status === 'ACTIVE' || s.status === 'CANCELED';
  return paidPeriod ? Math.min(balance, creditAt(s, atMs)) : 0;
}

/** Access removed now, renewal stopped: terminal. */
export function applyRevoke(s: SubscriptionState, refund: RevokeRefund, atMs: number): SubscriptionState {
  return touched(s, {
    status: 'REVOKED',
    endedAtMs: atMs,
    chargeRequested: false,
    dunning: null,
    blocked: null,
    pause: null,
    pendingChange: null,
    revocation: { refund, atMs, refundedAmount: 0, refundError: null },
    ...unsettledOrdersToReconcile(s, periodPrice(s), atMs),
  });
}
