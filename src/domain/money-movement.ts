/**
 * The one home of money movement (docs/money-movement.md). Operations decide *what* should move
 * and return it as an effect; this module allocates the order and refund ids, reserves what a
 * refund in flight will take, and books every outcome — paid, declined, refunded, refused or
 * unknown — into the paid orders and the counters. The workflow runs each effect through an
 * activity, one at a time, and hands the outcome back here. So the counters equal the ledger and
 * the ledger equals the gateway, whatever order requests arrive in.
 */
import { orderIdFor, purchaseOrderIdFor } from './order-id';
import {
  ruleRejection,
  touched,
  type PaidOrder,
  type PaymentSummary,
  type PendingRefund,
  type Rejection,
  type SubscriptionState,
  type UnsettledOrder,
} from './subscription-state';

// ---- effects ---------------------------------------------------------------------------------

/** A charge to run: the order id is its Idempotency-Key at the gateway, so a retry never charges twice. */
export interface ChargeEffect {
  kind: 'charge';
  orderId: string;
  orderName: string;
  amount: number;
  cycle: number;
  attempt: number;
  dueAtMs: number;
}

/** A refund to run: the refund id is its Idempotency-Key at the gateway. */
export interface RefundEffect {
  kind: 'refund';
  refund: PendingRefund;
}

export type MoneyEffect = ChargeEffect | RefundEffect;

/** What the gateway answered to a refund (or that it did not answer). */
export type RefundOutcome =
  | { outcome: 'refunded'; amount: number; balanceAmount: number; refundedAtMs: number }
  | { outcome: 'refused'; code: string; message: string }
  | { outcome: 'unknown'; message: string };

// ---- backoff ---------------------------------------------------------------------------------

const MINUTE_MS = 60_000;

/**
 * When to ask the gateway again about an order or refund it never confirmed: 1, 2, 4, 8, 16,
 * 32 minutes, then hourly — minutes after the gateway is back, never a day.
 */
export function lookupDelayMs(checks: number): number {
  return Math.min(MINUTE_MS * 2 ** checks, 60 * MINUTE_MS);
}

// ---- charges ---------------------------------------------------------------------------------

/** The next attempt at the current cycle's charge. */
export function periodChargeEffect(s: SubscriptionState, amount: number, orderName: string): ChargeEffect {
  const attempt = s.attempt + 1;
  return { kind: 'charge', orderId: orderIdFor(s.subscriptionId, s.cycle, attempt), orderName, amount, cycle: s.cycle, attempt, dueAtMs: s.currentPeriod.startMs };
}

/**
 * An immediate purchase (a prorated or full-price plan change, a top-up): its own order, named by
 * the purchase sequence the deciding operation advanced in `next`, so a refused one is never reused.
 */
export function purchaseChargeEffect(next: SubscriptionState, amount: number, orderName: string, nowMs: number): ChargeEffect {
  return { kind: 'charge', orderId: purchaseOrderIdFor(next.subscriptionId, next.purchaseSeq), orderName, amount, cycle: next.cycle, attempt: 1, dueAtMs: nowMs };
}

/** Books a paid order: it becomes refundable and counts as charged. */
export function withPaidOrder(s: SubscriptionState, payment: PaymentSummary, refunded = 0): Pick<SubscriptionState, 'paidOrders' | 'counters'> {
  const known = s.paidOrders.some((p) => p.paymentId === payment.paymentId);
  return {
    paidOrders: known ? s.paidOrders : [...s.paidOrders, { paymentId: payment.paymentId, amount: payment.amount, refunded }],
    counters: { ...s.counters, amountCharged: s.counters.amountCharged + (known ? 0 : payment.amount), amountRefunded: s.counters.amountRefunded + (known ? 0 : refunded) },
  };
}

/** An attempt whose outcome never came back: remembered, and looked up soon. */
export function unsettledOrderOf(order: { orderId: string; attempt: number }, nowMs: number): UnsettledOrder {
  return { orderId: order.orderId, attempt: order.attempt, checks: 0, nextCheckAtMs: nowMs + lookupDelayMs(0), attemptedAtMs: nowMs };
}

/** The gateway still could not say what became of an order: ask again later. */
export function withOrderCheckFailed(s: SubscriptionState, orderId: string, nowMs: number): SubscriptionState {
  return touched(s, {
    unsettledOrders: s.unsettledOrders.map((o) => {
      if (o.orderId !== orderId) return o;
      const checks = (o.checks ?? 0) + 1;
      return { ...o, checks, nextCheckAtMs: nowMs + lookupDelayMs(checks) };
    }),
  });
}

// ---- refunds ---------------------------------------------------------------------------------

export interface RefundRequest {
  paymentId: string;
  /** Minor units; absent = the whole refundable balance. */
  amount?: number;
  reason: string;
  kind: PendingRefund['kind'];
  /** A digest of the payment and the request's Idempotency-Key: the same key never refunds twice. */
  requestKey?: string;
}

/** The refund an earlier request with this key already decided, if any. */
export function refundOfRequest(s: SubscriptionState, requestKey: string | undefined): string | null {
  return requestKey === undefined ? null : (s.refundRequests[requestKey] ?? null);
}

/** What can still be refunded from a paid order: paid, minus refunded, minus refunds in flight. */
export function refundableBalance(s: SubscriptionState, paymentId: string): number | null {
  const order = s.paidOrders.find((p) => p.paymentId === paymentId);
  if (!order) return null;
  const reserved = s.pendingRefunds.filter((r) => r.paymentId === paymentId).reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, order.amount - order.refunded - reserved);
}

export function refundRejection(s: SubscriptionState, paymentId: string, amount?: number): Rejection | null {
  if (amount !== undefined && (!Number.isSafeInteger(amount) || amount <= 0)) {
    return ruleRejection('invalid-amount', 'amount must be a positive integer of minor units (omit it to refund the whole remaining balance)');
  }
  const balance = refundableBalance(s, paymentId);
  if (balance === null) return ruleRejection('unknown-payment', `payment ${paymentId} is not a paid payment of subscription ${s.subscriptionId}`);
  if (balance <= 0) {
    const inFlight = s.pendingRefunds.some((r) => r.paymentId === paymentId);
    return ruleRejection('already-refunded', inFlight ? `the rest of payment ${paymentId} is being refunded already` : `payment ${paymentId} is already fully refunded`);
  }
  if (amount !== undefined && amount > balance) {
    return ruleRejection('refund-exceeds-balance', `amount ${amount} exceeds the refundable balance ${balance} of payment ${paymentId}`);
  }
  return null;
}

/**
 * Decides a refund on the state it will change: the id is allocated and the amount reserved
 * before the gateway is asked, so a second refund decided meanwhile can never spend it again.
 */
export function decideRefund(s: SubscriptionState, request: RefundRequest, nowMs: number): { next: SubscriptionState; effect: RefundEffect } | Rejection {
  const rejection = refundRejection(s, request.paymentId, request.amount);
  if (rejection) return rejection;
  const refund: PendingRefund = {
    refundId: `${s.subscriptionId}-r${s.refundSeq + 1}`,
    paymentId: request.paymentId,
    amount: request.amount ?? refundableBalance(s, request.paymentId) ?? 0,
    reason: request.reason,
    kind: request.kind,
    ...(request.requestKey !== undefined ? { requestKey: request.requestKey } : {}),
    checks: 0,
    nextCheckAtMs: nowMs + lookupDelayMs(0),
  };
  const next = touched(s, {
    refundSeq: s.refundSeq + 1,
    pendingRefunds: [...s.pendingRefunds, refund],
    refundRequests: request.requestKey === undefined ? s.refundRequests : { ...s.refundRequests, [request.requestKey]: refund.refundId },
  });
  return { next, effect: { kind: 'refund', refund } };
}

const refundedFrom = (orders: PaidOrder[], paymentId: string, amount: number) =>
  orders.map((p) => (p.paymentId === paymentId ? { ...p, refunded: p.refunded + amount } : p));

/**
 * Books the gateway's answer to a refund. Refunded: the money is counted as given back. Refused:
 * the reservation is released and nothing else changes. Unknown: the reservation stays and the
 * same refund id is sent again later, so the refund the caller asked for happens exactly once.
 */
export function withRefundOutcome(s: SubscriptionState, refundId: string, outcome: RefundOutcome, nowMs: number): SubscriptionState {
  const refund = s.pendingRefunds.find((r) => r.refundId === refundId);
  if (!refund) return s;
  const rest = s.pendingRefunds.filter((r) => r.refundId !== refundId);
  switch (outcome.outcome) {
    case 'refused':
      return touched(s, {
        pendingRefunds: rest,
        // A revoke's refund that will not happen is on record for an operator; access is gone either way.
        revocation: refund.kind === 'revoke' && s.revocation ? { ...s.revocation, refundError: `${outcome.code}: ${outcome.message}` } : s.revocation,
      });
    case 'unknown': {
      const checks = refund.checks + 1;
      return touched(s, { pendingRefunds: [...rest, { ...refund, checks, nextCheckAtMs: nowMs + lookupDelayMs(checks) }] });
    }
    case 'refunded': {
      const onLast = s.lastPayment?.paymentId === refund.paymentId;
      return touched(s, {
        pendingRefunds: rest,
        paidOrders: refundedFrom(s.paidOrders, refund.paymentId, outcome.amount),
        lastPaymentRefunded: onLast ? s.lastPaymentRefunded + outcome.amount : s.lastPaymentRefunded,
        // Money given back is no longer paid for the period: a later credit cannot return it twice.
        periodCreditCap: onLast ? Math.max(0, s.periodCreditCap - outcome.amount) : s.periodCreditCap,
        counters: { ...s.counters, amountRefunded: s.counters.amountRefunded + outcome.amount },
        revocation:
          refund.kind === 'revoke' && s.revocation
            ? { ...s.revocation, refundedAmount: s.revocation.refundedAmount + outcome.amount, refundError: null }
            : s.revocation,
      });
    }
  }
}

// ---- what to look up next --------------------------------------------------------------------

export type LookupEvent =
  | { kind: 'lookupCharge'; atMs: number; orderId: string }
  | { kind: 'resendRefund'; atMs: number; refundId: string };

/**
 * The earliest lookup due: an unconfirmed charge attempt, or a refund whose answer was lost.
 * A refund only becomes due once it was tried (checks > 0): a fresh one is in flight right now.
 */
export function lookupEvent(s: SubscriptionState): LookupEvent | null {
  const events: LookupEvent[] = [
    ...s.unsettledOrders.flatMap((o) => (o.nextCheckAtMs === undefined ? [] : [{ kind: 'lookupCharge' as const, atMs: o.nextCheckAtMs, orderId: o.orderId }])),
    ...s.pendingRefunds.filter((r) => r.checks > 0).map((r) => ({ kind: 'resendRefund' as const, atMs: r.nextCheckAtMs, refundId: r.refundId })),
  ];
  return events.sort((a, b) => a.atMs - b.atMs)[0] ?? null;
}
