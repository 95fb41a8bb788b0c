/** Writing a payment Toss approved into the ledger: shared by charging and by reconciling a charge. */
import type { LedgerEntry, LedgerStatus, PaymentsRepo } from '../src/db/payments-repo';
import type { TossPayment } from '../src/gateway/toss-types';

/** Which attempt of which subscription an order was: the ledger row's own columns. */
export interface OrderContext {
  subscriptionId: string;
  customerKey: string;
  orderId: string;
  currency: string;
  cycle: number;
  attempt: number;
  dueAtMs: number;
  /** Workflow time of the attempt. */
  attemptedAtMs: number;
}

/**
 * What an order's status at Toss says about the money (one predicate for every lookup): it took
 * money (some may have been given back since), it never did and never will, or it is not final.
 */
export type ChargeStatusAtGateway = 'charged' | 'notCharged' | 'notFinal';

export function chargeStatusOf(payment: TossPayment | null): ChargeStatusAtGateway {
  if (payment === null) return 'notCharged';
  if (payment.status === 'DONE' || payment.status === 'CANCELED' || payment.status === 'PARTIAL_CANCELED') return 'charged';
  if (payment.status === 'ABORTED' || payment.status === 'EXPIRED') return 'notCharged';
  return 'notFinal';
}

/** The ledger status of a payment Toss took: refunded since (by hand, or by an earlier void) or not. */
function ledgerStatusOf(payment: TossPayment): LedgerStatus {
  return payment.status === 'CANCELED' || payment.status === 'PARTIAL_CANCELED' ? payment.status : 'DONE';
}

export function recordApproved(payments: PaymentsRepo, order: OrderContext, payment: TossPayment): Promise<LedgerEntry> {
  return payments.record({
    orderId: order.orderId,
    subscriptionId: order.subscriptionId,
    customerKey: order.customerKey,
    cycle: order.cycle,
    attempt: order.attempt,
    amount: payment.totalAmount,
    currency: order.currency,
    status: ledgerStatusOf(payment),
    paymentKey: payment.paymentKey,
    balanceAmount: payment.balanceAmount,
    failureCode: null,
    failureMessage: null,
    dueAt: new Date(order.dueAtMs).toISOString(),
    attemptedAt: new Date(order.attemptedAtMs).toISOString(),
    approvedAt: new Date(Date.parse(payment.approvedAt)).toISOString(),
  });
}
