/**
 * Refund and revoke (SPEC §4.4–4.5, the seed's table): a refund gives money back and changes
 * nothing else; a revoke removes access at once, stops renewal and may refund the latest payment.
 */
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

/** Idempotency-Key of the next refund: deterministic, so a retried activity refunds once. */
export function nextRefundId(s: SubscriptionState): string {
  return `${s.subscriptionId}-r${s.refundSeq + 1}`;
}

export function refundRejection(s: SubscriptionState, paymentId: string, amount?: number): Rejection | null {
  if (amount !== undefined && (!Number.isSafeInteger(amount) || amount <= 0)) {
    return ruleRejection('invalid-amount', 'amount must be a positive integer of minor units (omit it to refund the whole remaining balance)');
  }
  if (s.lastPayment?.paymentId === paymentId) {
    const balance = s.lastPayment.amount - s.lastPaymentRefunded;
    if (balance <= 0) return ruleRejection('already-refunded', `payment ${paymentId} is already fully refunded`);
    if (amount !== undefined && amount > balance) return ruleRejection('refund-exceeds-balance', `amount ${amount} exceeds the refundable balance ${balance} of payment ${paymentId}`);
  }
  return null;
}

/** Books a refund that went through; the refund id sequence moves either way. */
export function withRefund(s: SubscriptionState, paymentId: string, amount: number): SubscriptionState {
  return touched(s, {
    refundSeq: s.refundSeq + 1,
    lastPaymentRefunded: s.lastPayment?.paymentId === paymentId ? s.lastPaymentRefunded + amount : s.lastPaymentRefunded,
    // Money given back is no longer paid for the period: a later credit cannot return it twice.
    periodCreditCap: s.lastPayment?.paymentId === paymentId ? Math.max(0, s.periodCreditCap - amount) : s.periodCreditCap,
    counters: { ...s.counters, amountRefunded: s.counters.amountRefunded + amount },
  });
}

export function withRefundFailed(s: SubscriptionState): SubscriptionState {
  return touched(s, { refundSeq: s.refundSeq + 1 });
}

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
  const balance = Math.max(0, s.lastPayment.amount - s.lastPaymentRefunded);
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

export function withRevocationRefund(s: SubscriptionState, refundedAmount: number, refundError: string | null): SubscriptionState {
  if (!s.revocation) return s;
  return touched(s, { revocation: { ...s.revocation, refundedAmount, refundError } });
}
