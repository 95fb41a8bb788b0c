/** The `state` query's answer (docs/lifecycle.md §2): what an operator or the API needs, in ISO instants. */
import { nextRetryAfter } from './dunning';
import { isEntitled, isTerminal, type SubscriptionStatus } from './subscription-status';
import { inTrial, periodPrice, type DeclineKind, type RevokeRefund, type SubscriptionState } from './subscription-state';

export interface SubscriptionSnapshot {
  subscriptionId: string;
  customerKey: string;
  status: SubscriptionStatus;
  entitled: boolean;
  planId: string;
  product: string;
  price: number;
  currency: string;
  paymentMethodId: string;
  timeZone: string;
  anchor: string;
  currentPeriod: { start: string; end: string };
  nextBillingAt: string | null;
  /** What the next scheduled charge bills (intro price, or a pending plan's price). */
  nextChargeAmount: number | null;
  /** When access ends if nothing changes (canceled, prepaid). */
  expiresAt: string | null;
  trialEndsAt: string | null;
  introPeriodsLeft: number;
  pendingChange: null | { planId: string; effectiveAt: string; requestedAt: string };
  pause: null | { startsAt: string; resumeAt: string };
  dunning: null | {
    declineKind: DeclineKind;
    lastDeclineCode: string;
    graceEndsAt: string;
    holdEndsAt: string;
    nextRetryAt: string | null;
  };
  blocked: null | { code: string; message: string };
  lastPayment: null | { paymentId: string; amount: number; refunded: number; approvedAt: string };
  revocation: null | { refund: RevokeRefund; at: string; refundedAmount: number; refundError: string | null };
  /** Immediate charges the gateway never confirmed; each is looked up and voided if it went through. */
  unsettledPurchases: { orderId: string; amount: number; what: string; attemptedAt: string; nextCheckAt: string }[];
  /** Charge attempts the gateway has not confirmed yet: looked up on a backoff; paid ones count as paid then. */
  unsettledOrders: { orderId: string; amount: number; attemptedAt: string | null; nextCheckAt: string | null }[];
  /** Refunds the gateway has not confirmed yet: their amounts are reserved, and they are sent again until it answers. */
  pendingRefunds: { refundId: string; paymentId: string; amount: number; kind: 'refund' | 'revoke'; nextCheckAt: string }[];
  /** Charges found to have gone through whose void Toss refused: refund them by hand. */
  voidFailures: SubscriptionState['voidFailures'];
  counters: SubscriptionState['counters'];
  cycle: number;
  createdAt: string;
  endedAt: string | null;
  version: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The instant of the next scheduled charge, if any. */
export function nextBillingAtMs(s: SubscriptionState): number | null {
  if (isTerminal(s.status) || s.status === 'CANCELED') return null;
  if (s.status === 'INCOMPLETE') return s.chargeRequested && s.counters.chargeAttempts === 0 ? s.startsAtMs : null;
  if (s.dunning) {
    return s.dunning.declineKind === 'soft' ? (nextRetryAfter(s.dunning.schedule, s.dunning.retriedUntilMs) ?? null) : null;
  }
  if (s.pause) return s.pause.resumeAtMs;
  if (!s.plan.autoRenew && !inTrial(s) && !s.pendingChange) return null;
  return s.currentPeriod.endMs;
}

/** What the next scheduled charge bills: a pending plan's price, else the intro price while it lasts. */
export function nextChargeAmount(s: SubscriptionState): number | null {
  if (nextBillingAtMs(s) === null) return null;
  if (s.pendingChange) return s.pendingChange.plan.price; // the change clears intro periods
  return periodPrice(s);
}

function expiresAtMs(s: SubscriptionState): number | null {
  if (s.status === 'CANCELED') return s.currentPeriod.endMs;
  if (s.status === 'ACTIVE' && !s.plan.autoRenew && !s.pendingChange) return s.currentPeriod.endMs;
  return null;
}

export function snapshotOf(s: SubscriptionState): SubscriptionSnapshot {
  const next = nextBillingAtMs(s);
  const expires = expiresAtMs(s);
  const d = s.dunning;
  const nextRetry = d && d.declineKind === 'soft' ? nextRetryAfter(d.schedule, d.retriedUntilMs) : undefined;
  return {
    subscriptionId: s.subscriptionId,
    customerKey: s.customerKey,
    status: s.status,
    entitled: isEntitled(s.status),
    planId: s.plan.id,
    product: s.plan.product,
    price: s.plan.price,
    currency: s.plan.currency,
    paymentMethodId: s.paymentMethodId,
    timeZone: s.anchor.timeZone,
    anchor: `${s.anchor.date}T${s.anchor.time}`,
    currentPeriod: { start: iso(s.currentPeriod.startMs), end: iso(s.currentPeriod.endMs) },
    nextBillingAt: next === null ? null : iso(next),
    nextChargeAmount: nextChargeAmount(s),
    expiresAt: expires === null ? null : iso(expires),
    trialEndsAt: s.trialEndsAtMs === null ? null : iso(s.trialEndsAtMs),
    introPeriodsLeft: s.introPeriodsLeft,
    pendingChange: s.pendingChange
      ? { planId: s.pendingChange.plan.id, effectiveAt: iso(s.currentPeriod.endMs), requestedAt: iso(s.pendingChange.requestedAtMs) }
      : null,
    pause: s.pause ? { startsAt: iso(s.pause.startsAtMs), resumeAt: iso(s.pause.resumeAtMs) } : null,
    dunning: d
      ? {
          declineKind: d.declineKind,
          lastDeclineCode: d.lastDecline.code,
          graceEndsAt: iso(d.schedule.graceEndsAtMs),
          holdEndsAt: iso(d.schedule.holdEndsAtMs),
          nextRetryAt: nextRetry === undefined ? null : iso(nextRetry),
        }
      : null,
    blocked: s.blocked ? { code: s.blocked.code, message: s.blocked.message } : null,
    lastPayment: s.lastPayment
      ? { paymentId: s.lastPayment.paymentId, amount: s.lastPayment.amount, refunded: s.lastPaymentRefunded, approvedAt: iso(s.lastPayment.approvedAtMs) }
      : null,
    revocation: s.revocation
      ? { refund: s.revocation.refund, at: iso(s.revocation.atMs), refundedAmount: s.revocation.refundedAmount, refundError: s.revocation.refundError }
      : null,
    unsettledPurchases: s.unsettledPurchases.map((p) => ({
      orderId: p.orderId,
      amount: p.amount,
      what: p.what,
      attemptedAt: iso(p.attemptedAtMs),
      nextCheckAt: iso(p.nextCheckAtMs),
    })),
    unsettledOrders: s.unsettledOrders.map((o) => ({
      orderId: o.orderId,
      // Attempts of the current, still unpaid cycle: billed at its price.
      amount: periodPrice(s),
      attemptedAt: o.attemptedAtMs === undefined ? null : iso(o.attemptedAtMs),
      nextCheckAt: o.nextCheckAtMs === undefined ? null : iso(o.nextCheckAtMs),
    })),
    pendingRefunds: s.pendingRefunds.map((r) => ({ refundId: r.refundId, paymentId: r.paymentId, amount: r.amount, kind: r.kind, nextCheckAt: iso(r.nextCheckAtMs) })),
    voidFailures: s.voidFailures,
    counters: s.counters,
    cycle: s.cycle,
    createdAt: iso(s.createdAtMs),
    endedAt: s.endedAtMs === null ? null : iso(s.endedAtMs),
    version: s.version,
  };
}
