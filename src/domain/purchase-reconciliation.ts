/**
 * Charges whose outcome the gateway never confirmed, and whose operation did not go on (README, Architecture:
 * no money is lost). An immediate purchase (plan change, top-up) was refused, so the customer was
 * told nothing changed; a renewal attempt was left unconfirmed when the subscription ended. If such
 * a charge went through anyway, a later lookup finds it and gives the money back in full. Lookups
 * back off from minutes to a day and never give up: an unconfirmed order stays on the
 * subscription, visible to operators, until the gateway answers.
 */
import { withPaidOrder } from './money-movement';
import { touched, type SubscriptionState, type UnsettledPurchase } from './subscription-state';

const MINUTE_MS = 60_000;
const FIRST_CHECK_AFTER_MS = 10 * MINUTE_MS;
const LONGEST_CHECK_GAP_MS = 24 * 60 * MINUTE_MS;

/** 10 min, 30 min, 1.5 h, 4.5 h, 13.5 h, then daily. */
export function checkDelayMs(checks: number): number {
  return Math.min(FIRST_CHECK_AFTER_MS * 3 ** checks, LONGEST_CHECK_GAP_MS);
}

/**
 * What a lookup found: the order never took money; or it did (`charged`) and `amount` of it has
 * now been given back (0 when it had been refunded already); or Toss refused to give it back.
 */
export type PurchaseSettlement =
  | { outcome: 'notCharged' }
  | { outcome: 'voided'; charged: number; amount: number }
  | { outcome: 'voidFailed'; charged: number; reason: string };

export interface ReconcileEvent {
  kind: 'reconcile';
  atMs: number;
  orderId: string;
}

/** A charge nobody waits for any more: looked up, and given back in full if it went through. */
export const reconcileLater = (order: Omit<UnsettledPurchase, 'checks' | 'nextCheckAtMs' | 'attemptedAtMs'>, nowMs: number): UnsettledPurchase => ({
  ...order,
  attemptedAtMs: nowMs,
  checks: 0,
  nextCheckAtMs: nowMs + checkDelayMs(0),
});

/** The refused operation's order, remembered for a lookup; its order id is never reused. */
export function withPurchaseUnknown(
  s: SubscriptionState,
  order: { orderId: string; amount: number; what: string; cycle: number },
  nowMs: number,
): SubscriptionState {
  return touched(s, {
    purchaseSeq: s.purchaseSeq + 1,
    unsettledPurchases: [...s.unsettledPurchases, reconcileLater({ ...order, attempt: 1 }, nowMs)],
    counters: { ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1 },
  });
}

/**
 * An ending subscription hands its unconfirmed renewal attempts to reconciliation: nothing will
 * look them up before a next attempt any more, and a renewal that went through after the end must
 * be given back. Spread into the ending transition's patch.
 */
export function unsettledOrdersToReconcile(
  s: SubscriptionState,
  renewalAmount: number,
  nowMs: number,
): Pick<SubscriptionState, 'unsettledOrders' | 'unsettledPurchases'> {
  const handedOver = s.unsettledOrders.map((o) =>
    reconcileLater({ orderId: o.orderId, attempt: o.attempt, amount: renewalAmount, what: `renewal #${s.cycle}`, cycle: s.cycle }, nowMs),
  );
  return { unsettledOrders: [], unsettledPurchases: [...s.unsettledPurchases, ...handedOver] };
}

/** The earliest lookup due, if any order is unconfirmed. */
export function reconcileEvent(s: SubscriptionState): ReconcileEvent | null {
  const first = [...s.unsettledPurchases].sort((a, b) => a.nextCheckAtMs - b.nextCheckAtMs)[0];
  return first ? { kind: 'reconcile', atMs: first.nextCheckAtMs, orderId: first.orderId } : null;
}

/** A voided charge counts as charged and refunded, so the counters match the gateway's records. */
export function withPurchaseSettled(s: SubscriptionState, orderId: string, settlement: PurchaseSettlement): SubscriptionState {
  const order = s.unsettledPurchases.find((p) => p.orderId === orderId);
  const unsettledPurchases = s.unsettledPurchases.filter((p) => p.orderId !== orderId);
  if (settlement.outcome === 'notCharged') return touched(s, { unsettledPurchases });
  const refunded = settlement.outcome === 'voided' ? settlement.amount : 0;
  // Booked as a paid order that was given back, so a later refund can never give it back again.
  const { counters, paidOrders } = withPaidOrder(s, { paymentId: orderId, orderId, amount: settlement.charged, approvedAtMs: 0, cycle: order?.cycle ?? s.cycle }, refunded);
  if (settlement.outcome === 'voided') return touched(s, { unsettledPurchases, counters, paidOrders });
  const failure = { orderId, amount: order?.amount ?? settlement.charged, reason: settlement.reason };
  return touched(s, { unsettledPurchases, counters, paidOrders, voidFailures: [...s.voidFailures, failure] });
}

/** The gateway still did not answer: look again later. */
export function withPurchaseCheckFailed(s: SubscriptionState, orderId: string, nowMs: number): SubscriptionState {
  return touched(s, {
    unsettledPurchases: s.unsettledPurchases.map((p) =>
      p.orderId === orderId ? { ...p, checks: p.checks + 1, nextCheckAtMs: nowMs + checkDelayMs(p.checks + 1) } : p,
    ),
  });
}
