/**
 * The subscription state machine (docs/lifecycle.md §1, §2, §5) as pure functions over a plain, serialisable
 * state. The workflow only sleeps until `nextEvent`, runs the charge it asks for and feeds the
 * outcome back through `applyChargeOutcome`; message handlers call the `apply…` functions after
 * the matching `…Rejection` check. Nothing here reads a clock or does I/O: `nowMs` is passed in.
 * Plan changes, defer, pause, top-up and revoke live in their own modules beside this one.
 */
import { anchorAt, daysLaterAt, periodOf, rebaseAnchor } from './calendar';
import { dunningPhaseAt, dunningSchedule, nextRetryAfter } from './dunning';
import { lookupEvent, periodChargeEffect, unsettledOrderOf, withPaidOrder, type ChargeEffect, type LookupEvent } from './money-movement';
import { reconcileEvent, reconcileLater, unsettledOrdersToReconcile, type ReconcileEvent } from './purchase-reconciliation';
import { TRIAL_NOTICE_DAYS } from './lifecycle-events';
import { isTerminal, type SubscriptionStatus } from './subscription-status';
import {
  assertAllowed,
  inTrial,
  periodPrice,
  ruleRejection,
  stateRejection,
  touched,
  type CreateSubscriptionInput,
  type Decline,
  type DunningState,
  type PaymentSummary,
  type Rejection,
  type SubscriptionState,
  type UnsettledOrder,
} from './subscription-state';

export * from './subscription-state';
export { snapshotOf, nextBillingAtMs, type SubscriptionSnapshot } from './subscription-snapshot';

/** How long a declined first charge may be fixed by a payment-method update (docs/lifecycle.md §2). */
export const INCOMPLETE_WINDOW_MS = 23 * 60 * 60 * 1000;

export function newSubscription(input: CreateSubscriptionInput, nowMs: number): SubscriptionState {
  const startMs = Math.max(input.startAtMs ?? nowMs, nowMs);
  const trialDays = input.withTrial ? input.plan.trialDays : undefined;
  const startAnchor = anchorAt(startMs, input.timeZone);
  const trialEndsAtMs = trialDays ? daysLaterAt(startMs, trialDays, startAnchor.time, input.timeZone) : null;
  const anchor = trialEndsAtMs === null ? startAnchor : anchorAt(trialEndsAtMs, input.timeZone);
  return {
    subscriptionId: input.subscriptionId,
    customerKey: input.customerKey,
    plan: input.plan,
    paymentMethodId: input.paymentMethodId,
    status: trialEndsAtMs === null ? 'INCOMPLETE' : 'TRIALING',
    anchor,
    periodIndex: trialEndsAtMs === null ? 0 : -1,
    currentPeriod:
      trialEndsAtMs === null ? periodOf(anchor, input.plan.interval, 0) : { startMs, endMs: trialEndsAtMs },
    cycle: trialEndsAtMs === null ? 1 : 0,
    attempt: 0,
    trialEndsAtMs,
    startsAtMs: startMs,
    incompleteExpiresAtMs: trialEndsAtMs === null ? startMs + INCOMPLETE_WINDOW_MS : null,
    dunning: null,
    blocked: null,
    // Without a trial the first period is charged at once (seed 001: first payment at registration).
    chargeRequested: trialEndsAtMs === null,
    unsettledOrders: [],
    lastPayment: null,
    lastPaymentRefunded: 0,
    paidOrders: [],
    pendingRefunds: [],
    refundRequests: {},
    introPeriodsLeft: input.withIntroPrice && input.plan.intro ? input.plan.intro.periods : 0,
    periodCreditCap: 0,
    pendingChange: null,
    pause: null,
    purchaseSeq: 0,
    unsettledPurchases: [],
    voidFailures: [],
    refundSeq: 0,
    revocation: null,
    counters: { paidCycles: 0, chargeAttempts: 0, declinedAttempts: 0, amountCharged: 0, amountRefunded: 0 },
    createdAtMs: nowMs,
    endedAtMs: null,
    trialNoticeAtMs: trialEndsAtMs === null ? null : Math.max(startMs, daysLaterAt(trialEndsAtMs, -TRIAL_NOTICE_DAYS, startAnchor.time, input.timeZone)),
    eventSeq: 0,
    version: 1,
  };
}

export type ExpireCause = 'canceled' | 'trialCanceled' | 'dunningExhausted' | 'incomplete' | 'prepaidEnded';

export type SubscriptionEvent =
  /** Run a charge attempt for the current cycle now (first charge, requested retry). */
  | { kind: 'charge'; atMs: number; reason: 'first' | 'requested' }
  /** The current period ends and the next is due: start cycle + 1 and charge it. */
  | { kind: 'renew'; atMs: number }
  /** A scheduled dunning retry. */
  | { kind: 'retry'; atMs: number }
  | { kind: 'enterHold'; atMs: number }
  /** A few days before the trial ends: nothing changes but the notice (lifecycle-events.ts). */
  | { kind: 'trialNotice'; atMs: number }
  /** The current period ends and a requested pause begins. */
  | { kind: 'pause'; atMs: number }
  /** The pause ends: a new period starts and is charged. */
  | { kind: 'resume'; atMs: number }
  | { kind: 'expire'; atMs: number; cause: ExpireCause }
  /** Look up an immediate purchase the gateway never confirmed (and void it if it went through). */
  | ReconcileEvent
  /** Look up a charge attempt or resend a refund the gateway never confirmed (money-movement.ts). */
  | LookupEvent;

/** What the subscription waits for next, or null when only a message can move it. */
export function nextEvent(s: SubscriptionState): SubscriptionEvent | null {
  const candidates = [lookupEvent(s), reconcileEvent(s), trialNoticeEvent(s), lifecycleEvent(s)].filter((e): e is SubscriptionEvent => e !== null);
  // Earliest first; on a tie, settling what is unconfirmed goes before the lifecycle moves on.
  return candidates.reduce<SubscriptionEvent | null>((first, e) => (first === null || e.atMs < first.atMs ? e : first), null);
}

/** Money is still moving: the workflow stays open until every unconfirmed charge and refund is settled. */
export function hasUnsettledMoney(s: SubscriptionState): boolean {
  return s.unsettledPurchases.length > 0 || s.pendingRefunds.length > 0 || s.unsettledOrders.some((o) => o.nextCheckAtMs !== undefined);
}

function trialNoticeEvent(s: SubscriptionState): SubscriptionEvent | null {
  return s.status === 'TRIALING' && s.trialNoticeAtMs !== null ? { kind: 'trialNotice', atMs: s.trialNoticeAtMs } : null;
}

/** The trial-end notice went out. */
export function noteTrialEnding(s: SubscriptionState): SubscriptionState {
  return touched(s, { trialNoticeAtMs: null });
}

function lifecycleEvent(s: SubscriptionState): SubscriptionEvent | null {
  if (isTerminal(s.status) || s.blocked) return null;
  if (s.chargeRequested) return { kind: 'charge', atMs: s.startsAtMs, reason: s.counters.chargeAttempts === 0 ? 'first' : 'requested' };
  switch (s.status) {
    case 'INCOMPLETE':
      return { kind: 'expire', atMs: s.incompleteExpiresAtMs ?? s.createdAtMs, cause: 'incomplete' };
    case 'TRIALING':
    case 'ACTIVE':
      if (s.pause) return { kind: 'pause', atMs: s.currentPeriod.endMs };
      if (!s.plan.autoRenew && !inTrial(s) && !s.pendingChange) return { kind: 'expire', atMs: s.currentPeriod.endMs, cause: 'prepaidEnded' };
      return { kind: 'renew', atMs: s.currentPeriod.endMs };
    case 'PAUSED':
      return s.pause ? { kind: 'resume', atMs: s.pause.resumeAtMs } : null;
    case 'CANCELED':
      return { kind: 'expire', atMs: s.currentPeriod.endMs, cause: inTrial(s) ? 'trialCanceled' : 'canceled' };
    case 'IN_GRACE_PERIOD':
    case 'ON_HOLD': {
      const d = s.dunning;
      if (!d) return null;
      const retryAt = d.declineKind === 'soft' ? nextRetryAfter(d.schedule, d.retriedUntilMs) : undefined;
      const phaseEnd =
        s.status === 'IN_GRACE_PERIOD'
          ? ({ kind: 'enterHold', atMs: d.schedule.graceEndsAtMs } as const)
          : ({ kind: 'expire', atMs: d.schedule.holdEndsAtMs, cause: 'dunningExhausted' } as const);
      // A retry due at the phase end runs first: it is that phase's last chance.
      return retryAt !== undefined && retryAt <= phaseEnd.atMs ? { kind: 'retry', atMs: retryAt } : phaseEnd;
    }
    default:
      return null;
  }
}

/**
 * The `renew` event fired: the next cycle begins and its charge is attempted. A DEFERRED plan
 * change takes effect here: the new plan, its price and its interval, from this same date on.
 */
export function beginRenewal(s: SubscriptionState): SubscriptionState {
  const next = { cycle: s.cycle + 1, attempt: 0, unsettledOrders: [] };
  if (s.pendingChange) {
    const plan = s.pendingChange.plan;
    const anchor = rebaseAnchor(s.anchor, s.plan.interval, s.periodIndex + 1);
    return touched(s, { ...next, plan, anchor, periodIndex: 0, currentPeriod: periodOf(anchor, plan.interval, 0), pendingChange: null, introPeriodsLeft: 0 });
  }
  const periodIndex = s.periodIndex + 1;
  return touched(s, { ...next, periodIndex, currentPeriod: periodOf(s.anchor, s.plan.interval, periodIndex) });
}

/** Marks a scheduled retry as run (whatever its outcome). */
export function markRetried(s: SubscriptionState, atMs: number): SubscriptionState {
  return s.dunning ? touched(s, { dunning: { ...s.dunning, retriedUntilMs: atMs } }) : s;
}

/** The next attempt at the current cycle's charge, as the effect money-movement.ts allocates. */
export function chargeFor(s: SubscriptionState): ChargeEffect {
  return periodChargeEffect(s, periodPrice(s), `${s.plan.name} #${s.cycle}`);
}

export type ChargeOutcome =
  | { outcome: 'paid'; payment: PaymentSummary }
  | { outcome: 'declined'; decline: Decline }
  /** The gateway never answered within the retry budget: dunned as a soft decline, reconciled later. */
  | { outcome: 'unknown'; order: UnsettledOrder; message: string };

/** Feeds a charge attempt's outcome into the state (docs/lifecycle.md §2 Create, §5 dunning and recovery). */
export function applyChargeOutcome(s: SubscriptionState, outcome: ChargeOutcome, nowMs: number): SubscriptionState {
  if (outcome.outcome === 'unknown') {
    const decline: Decline = { kind: 'soft', code: 'GATEWAY_UNAVAILABLE', message: outcome.message };
    const withOrder = { ...s, unsettledOrders: [...s.unsettledOrders, unsettledOrderOf(outcome.order, nowMs)] };
    return applyChargeOutcome(withOrder, { outcome: 'declined', decline }, nowMs);
  }
  const result = outcome;
  const counters = { ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1 };
  const base = { attempt: s.attempt + 1, chargeRequested: false, counters };
  if (result.outcome === 'paid') {
    counters.paidCycles += 1;
    const paid = {
      ...base,
      ...withPaidOrder({ ...s, counters }, result.payment),
      blocked: null,
      dunning: null,
      unsettledOrders: [],
      // Other unconfirmed attempts of this cycle are no longer wanted: looked up, and given back if they went through.
      unsettledPurchases: [
        ...s.unsettledPurchases,
        ...s.unsettledOrders
          .filter((o) => o.orderId !== result.payment.orderId)
          .map((o) => reconcileLater({ orderId: o.orderId, attempt: o.attempt, amount: result.payment.amount, what: `renewal #${result.payment.cycle}`, cycle: result.payment.cycle }, nowMs)),
      ],
      lastPayment: result.payment,
      lastPaymentRefunded: 0,
      periodCreditCap: result.payment.amount,
      introPeriodsLeft: Math.max(0, s.introPeriodsLeft - 1),
      incompleteExpiresAtMs: null,
    };
    // Recovery from hold, and activation after a failed first charge, start a new period now (§4.6).
    if (s.status === 'ON_HOLD' || (s.status === 'INCOMPLETE' && s.counters.chargeAttempts > 0)) {
      const anchor = anchorAt(nowMs, s.anchor.timeZone);
      return touched(s, { ...paid, status: 'ACTIVE', anchor, periodIndex: 0, currentPeriod: periodOf(anchor, s.plan.interval, 0) });
    }
    // A canceled subscription whose in-flight renewal went through keeps its cancel for the new period.
    return touched(s, { ...paid, status: s.status === 'CANCELED' ? 'CANCELED' : 'ACTIVE' });
  }

  counters.declinedAttempts += 1;
  const decline = result.decline;
  // Canceled while its renewal was in flight, and the renewal failed: nothing paid, nothing to dun or block.
  if (s.status === 'CANCELED') return touched(expire(s, nowMs), { ...base, blocked: null });
  if (decline.kind === 'merchant') {
    // Not the customer's fault: no step toward hold; an operator must fix the configuration and retry.
    return touched(s, { ...base, blocked: decline });
  }
  if (s.status === 'INCOMPLETE') return touched(s, { ...base, blocked: null });
  if (s.dunning) {
    return touched(s, {
      ...base,
      blocked: null,
      dunning: {
        ...s.dunning,
        lastDecline: decline,
        // A hard decline stops scheduled retries; a later soft one (new card, new limit) resumes them
        // from now on: retries that fell due meanwhile are covered by this attempt, not run in a burst.
        declineKind: decline.kind,
        retriedUntilMs: Math.max(s.dunning.retriedUntilMs, nowMs),
      },
    });
  }
  const schedule = dunningSchedule(s.currentPeriod.startMs, s.anchor.time, s.anchor.timeZone, s.plan.dunning);
  const dunning: DunningState = {
    cycle: s.cycle,
    schedule,
    declineKind: decline.kind,
    lastDecline: decline,
    retriedUntilMs: s.currentPeriod.startMs,
  };
  const phase = dunningPhaseAt(schedule, nowMs);
  const status: SubscriptionStatus = phase === 'grace' ? 'IN_GRACE_PERIOD' : phase === 'hold' ? 'ON_HOLD' : 'EXPIRED';
  return touched(s, { ...base, blocked: null, dunning, status, endedAtMs: status === 'EXPIRED' ? nowMs : null });
}

export function enterHold(s: SubscriptionState, nowMs: number): SubscriptionState {
  const d = s.dunning;
  if (d && dunningPhaseAt(d.schedule, nowMs) === 'over') return expire(s, nowMs);
  return touched(s, { status: 'ON_HOLD' });
}

export function expire(s: SubscriptionState, nowMs: number): SubscriptionState {
  const status: SubscriptionStatus = s.status === 'INCOMPLETE' ? 'INCOMPLETE_EXPIRED' : 'EXPIRED';
  const reconcile = unsettledOrdersToReconcile(s, periodPrice(s), nowMs);
  return touched(s, { status, endedAtMs: nowMs, chargeRequested: false, pause: null, pendingChange: null, ...reconcile });
}

// ---- messages -------------------------------------------------------------------------------

export function cancelRejection(s: SubscriptionState): Rejection | null {
  if (s.status === 'CANCELED') return stateRejection('already-canceled', 'already canceled; it ends at the current period end (restore undoes the cancel)');
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is ${s.status}; nothing to cancel (create a new subscription instead)`);
  if (!s.plan.autoRenew && !inTrial(s) && s.status === 'ACTIVE') {
    return ruleRejection('prepaid-cannot-cancel', 'a prepaid plan never renews, so there is nothing to cancel: it ends at its expiry (revoke removes access now)');
  }
  return null;
}

/**
 * Cancel (docs/lifecycle.md §2): renewal off, access until the period end. An unpaid subscription (first
 * charge failed, in grace or hold) and a paused one have no paid period to run out: they end at once.
 */
export function applyCancel(s: SubscriptionState, nowMs: number): SubscriptionState {
  assertAllowed(cancelRejection(s));
  if (s.status === 'INCOMPLETE' || s.status === 'IN_GRACE_PERIOD' || s.status === 'ON_HOLD' || s.status === 'PAUSED') {
    return touched(expire(s, nowMs), { dunning: null, blocked: null });
  }
  return touched(s, { status: 'CANCELED', pause: null });
}

export function restoreRejection(s: SubscriptionState): Rejection | null {
  if (s.status === 'CANCELED') return null;
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is ${s.status}; restore is only possible before the period end — resubscribe instead`);
  return stateRejection('not-canceled', `subscription is ${s.status}, not CANCELED; only a canceled subscription can be restored`);
}

/** Restore: undo a cancel before the period end; same anchor, no charge now. */
export function applyRestore(s: SubscriptionState): SubscriptionState {
  assertAllowed(restoreRejection(s));
  return touched(s, { status: inTrial(s) ? 'TRIALING' : 'ACTIVE' });
}

export function paymentMethodUpdateRejection(s: SubscriptionState, paymentMethodId: string): Rejection | null {
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is ${s.status}; resubscribe with the new payment method instead`);
  if (paymentMethodId === s.paymentMethodId && !needsPayment(s)) return ruleRejection('payment-method-in-use', 'this payment method is already in use');
  return null;
}

/** Unpaid: a new payment method triggers one immediate attempt (docs/lifecycle.md §2). */
export function needsPayment(s: SubscriptionState): boolean {
  return s.status === 'INCOMPLETE' || s.status === 'IN_GRACE_PERIOD' || s.status === 'ON_HOLD' || s.blocked !== null;
}

export function applyPaymentMethodUpdate(s: SubscriptionState, paymentMethodId: string): SubscriptionState {
  assertAllowed(paymentMethodUpdateRejection(s, paymentMethodId));
  return touched(s, { paymentMethodId, chargeRequested: needsPayment(s) });
}

export function retryChargeRejection(s: SubscriptionState): Rejection | null {
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is ${s.status}; nothing to retry`);
  if (!needsPayment(s)) return stateRejection('nothing-unpaid', 'nothing is unpaid; the next charge runs at the scheduled renewal');
  return null;
}

/** Operator retry: after fixing a merchant configuration error, or to retry a decline now. */
export function applyRetryCharge(s: SubscriptionState): SubscriptionState {
  assertAllowed(retryChargeRejection(s));
  return touched(s, { chargeRequested: true, blocked: null });
}


/** What a lookup of an unconfirmed charge attempt found at the gateway. */
export type ChargeLookup = { outcome: 'paid'; payment: PaymentSummary } | { outcome: 'notCharged' };

/**
 * An unconfirmed attempt looked up again (money-movement.ts): a charge that went through counts
 * as paid as if the gateway had answered at once — the attempt booked as an unknown decline is
 * re-booked as paid, at the instant it was made. One that did not leaves dunning as it is. A charge
 * that nobody waits for any more (the cycle was paid since, or it ended) is given back.
 */
export function withChargeLookup(s: SubscriptionState, orderId: string, lookup: ChargeLookup, nowMs: number): SubscriptionState {
  const order = s.unsettledOrders.find((o) => o.orderId === orderId);
  if (!order) return s;
  const unsettledOrders = s.unsettledOrders.filter((o) => o.orderId !== orderId);
  if (lookup.outcome === 'notCharged') return touched(s, { unsettledOrders });
  const stillUnpaid = !isTerminal(s.status) && needsPayment(s) && lookup.payment.cycle === s.cycle;
  if (!stillUnpaid) {
    const purchase = reconcileLater({ orderId, attempt: order.attempt, amount: lookup.payment.amount, what: `renewal #${lookup.payment.cycle}`, cycle: lookup.payment.cycle }, nowMs);
    return touched(s, { unsettledOrders, unsettledPurchases: [...s.unsettledPurchases, purchase] });
  }
  const rebooked: SubscriptionState = {
    ...s,
    unsettledOrders,
    attempt: s.attempt - 1,
    counters: { ...s.counters, chargeAttempts: s.counters.chargeAttempts - 1, declinedAttempts: s.counters.declinedAttempts - 1 },
  };
  return applyChargeOutcome(rebooked, lookup, order.attemptedAtMs ?? nowMs);
}
