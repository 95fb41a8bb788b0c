/**
 * Immediate purchases whose outcome the gateway never confirmed (SPEC §8: no money is lost).
 * The operation that asked for the charge was refused, so the customer was told nothing changed;
 * if the charge went through anyway, a later lookup finds it and gives the money back in full.
 * Lookups back off from minutes to a day and never give up: an unconfirmed order stays on the
 * subscription, visible to operators, until the gateway answers.
 */
import { touched, type SubscriptionState, type UnsettledPurchase } from './subscription-state';

const MINUTE_MS = 60_000;
const FIRST_CHECK_AFTER_MS = 10 * MINUTE_MS;
const LONGEST_CHECK_GAP_MS = 24 * 60 * MINUTE_MS;

/** 10 min, 30 min, 1.5 h, 4.5 h, 13.5 h, then daily. */
export function checkDelayMs(checks: number): number {
  return Math.min(FIRST_CHECK_AFTER_MS * 3 ** checks, LONGEST_CHECK_GAP_MS);
}

/** What a lookup found: the order never went through, or it did and has been voided (refunded in full). */
export type PurchaseSettlement = { outcome: 'notCharged' } | { outcome: 'voided'; amount: number; refundId: string };

export interface ReconcileEvent {
  kind: 'reconcile';
  atMs: number;
  orderId: string;
}

/** The refused operation's order, remembered for a lookup; its order id is never reused. */
export function withPurchaseUnknown(
  s: SubscriptionState,
  order: { orderId: string; amount: number; what: string; cycle: number },
  nowMs: number,
): SubscriptionState {
  const unsettled: UnsettledPurchase = { ...order, attemptedAtMs: nowMs, checks: 0, nextCheckAtMs: nowMs + checkDelayMs(0) };
  return touched(s, {
    purchaseSeq: s.purchaseSeq + 1,
    unsettledPurchases: [...s.unsettledPurchases, unsettled],
    counters: { ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1 },
  });
}

/** The earliest lookup due, if any order is unconfirmed. */
export function reconcileEvent(s: SubscriptionState): ReconcileEvent | null {
  const first = [...s.unsettledPurchases].sort((a, b) => a.nextCheckAtMs - b.nextCheckAtMs)[0];
  return first ? { kind: 'reconcile', atMs: first.nextCheckAtMs, orderId: first.orderId } : null;
}

/** A voided charge counts as charged and refunded, so the counters match the gateway's records. */
export function withPurchaseSettled(s: SubscriptionState, orderId: string, settlement: PurchaseSettlement): SubscriptionState {
  const unsettledPurchases = s.unsettledPurchases.filter((p) => p.orderId !== orderId);
  if (settlement.outcome === 'notCharged') return touched(s, { unsettledPurchases });
  return touched(s, {
    unsettledPurchases,
    counters: {
      ...s.counters,
      amountCharged: s.counters.amountCharged + settlement.amount,
      amountRefunded: s.counters.amountRefunded + settlement.amount,
    },
  });
}

/** The gateway still did not answer: look again later. */
export function withPurchaseCheckFailed(s: SubscriptionState, orderId: string, nowMs: number): SubscriptionState {
  return touched(s, {
    unsettledPurchases: s.unsettledPurchases.map((p) =>
      p.orderId === orderId ? { ...p, checks: p.checks + 1, nextCheckAtMs: nowMs + checkDelayMs(p.checks + 1) } : p,
    ),
  });
}
