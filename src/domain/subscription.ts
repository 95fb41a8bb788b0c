/**
 * The subscription state machine (SPEC §4.4–4.6) as pure functions over a plain, serialisable
 * state. The workflow only sleeps until `nextEvent`, runs the charge it asks for and feeds the
 * outcome back through `applyChargeOutcome`; message handlers call the `apply…` functions after
 * the matching `…Rejection` check. Nothing here reads a clock or does I/O: `nowMs` is passed in.
 */
import { anchorAt, daysLaterAt, periodOf, type BillingAnchor, type Period } from './calendar';
import { dunningPhaseAt, dunningSchedule, nextRetryAfter, type DunningSchedule } from './dunning';
import type { Plan } from './plans';
import { isEntitled, isTerminal, type SubscriptionStatus } from './subscription-status';

/** How long a declined first charge may be fixed by a payment-method update (SPEC §4.5). */
export const INCOMPLETE_WINDOW_MS = 23 * 60 * 60 * 1000;

export type DeclineKind = 'soft' | 'hard';

export interface Decline {
  kind: DeclineKind | 'merchant';
  code: string;
  message: string;
}

export interface DunningState {
  /** The cycle whose charge failed. */
  cycle: number;
  schedule: DunningSchedule;
  declineKind: DeclineKind;
  lastDecline: Decline;
  /** Scheduled retries at or before this instant have been run. */
  retriedUntilMs: number;
}

export interface UnsettledOrder {
  orderId: string;
  attempt: number;
}

export interface PaymentSummary {
  paymentId: string;
  orderId: string;
  amount: number;
  approvedAtMs: number;
  cycle: number;
}

export interface SubscriptionState {
  subscriptionId: string;
  customerKey: string;
  plan: Plan;
  paymentMethodId: string;
  status: SubscriptionStatus;
  anchor: BillingAnchor;
  /** Index of the current period counted from the anchor (−1 = the trial before period 0). */
  periodIndex: number;
  /** The current period; during dunning it is the unpaid period whose charge failed. */
  currentPeriod: Period;
  /** Monotonic count of billing cycles ever started, across anchor moves: it names orders. */
  cycle: number;
  /** Charge attempts made for the current cycle (the next attempt is attempt + 1). */
  attempt: number;
  trialEndsAtMs: number | null;
  incompleteExpiresAtMs: number | null;
  dunning: DunningState | null;
  /** A merchant-side gateway error (SPEC §4.6): nothing moves until an operator retries. */
  blocked: Decline | null;
  /** An immediate charge attempt was asked for (payment-method update, operator retry). */
  chargeRequested: boolean;
  /** Attempts of the current cycle whose outcome never came back: looked up before charging again. */
  unsettledOrders: UnsettledOrder[];
  lastPayment: PaymentSummary | null;
  counters: {
    paidCycles: number;
    chargeAttempts: number;
    declinedAttempts: number;
    amountCharged: number;
  };
  createdAtMs: number;
  endedAtMs: number | null;
  /** Bumped on every change, so projections written out of order never go backwards. */
  version: number;
}

export interface CreateSubscriptionInput {
  subscriptionId: string;
  customerKey: string;
  plan: Plan;
  paymentMethodId: string;
  timeZone: string;
  /** Start with the plan's trial (the API checks one trial per customer and product). */
  withTrial: boolean;
}

/** A transition that is not allowed now; `reason` says what is allowed instead (HTTP 409). */
export class TransitionRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TransitionRejected';
  }
}

export function newSubscription(input: CreateSubscriptionInput, nowMs: number): SubscriptionState {
  const trialDays = input.withTrial ? input.plan.trialDays : undefined;
  const nowAnchor = anchorAt(nowMs, input.timeZone);
  const trialEndsAtMs = trialDays ? daysLaterAt(nowMs, trialDays, nowAnchor.time, input.timeZone) : null;
  const anchor = trialEndsAtMs === null ? nowAnchor : anchorAt(trialEndsAtMs, input.timeZone);
  return {
    subscriptionId: input.subscriptionId,
    customerKey: input.customerKey,
    plan: input.plan,
    paymentMethodId: input.paymentMethodId,
    status: trialEndsAtMs === null ? 'INCOMPLETE' : 'TRIALING',
    anchor,
    periodIndex: trialEndsAtMs === null ? 0 : -1,
    currentPeriod:
      trialEndsAtMs === null ? periodOf(anchor, input.plan.interval, 0) : { startMs: nowMs, endMs: trialEndsAtMs },
    cycle: trialEndsAtMs === null ? 1 : 0,
    attempt: 0,
    trialEndsAtMs,
    incompleteExpiresAtMs: trialEndsAtMs === null ? nowMs + INCOMPLETE_WINDOW_MS : null,
    dunning: null,
    blocked: null,
    // Without a trial the first period is charged at once (seed 001: first payment at registration).
    chargeRequested: trialEndsAtMs === null,
    unsettledOrders: [],
    lastPayment: null,
    counters: { paidCycles: 0, chargeAttempts: 0, declinedAttempts: 0, amountCharged: 0 },
    createdAtMs: nowMs,
    endedAtMs: null,
    version: 1,
  };
}

export type SubscriptionEvent =
  /** Run a charge attempt for the current cycle now (first charge, requested retry). */
  | { kind: 'charge'; atMs: number; reason: 'first' | 'requested' }
  /** The current period ends and the next is due: start cycle + 1 and charge it. */
  | { kind: 'renew'; atMs: number }
  /** A scheduled dunning retry. */
  | { kind: 'retry'; atMs: number }
  | { kind: 'enterHold'; atMs: number }
  | { kind: 'expire'; atMs: number; cause: 'canceled' | 'trialCanceled' | 'dunningExhausted' | 'incomplete' };

/** What the subscription waits for next, or null when only a message can move it. */
export function nextEvent(s: SubscriptionState): SubscriptionEvent | null {
  if (isTerminal(s.status) || s.blocked) return null;
  if (s.chargeRequested) return { kind: 'charge', atMs: s.createdAtMs, reason: s.counters.chargeAttempts === 0 ? 'first' : 'requested' };
  switch (s.status) {
    case 'INCOMPLETE':
      return { kind: 'expire', atMs: s.incompleteExpiresAtMs ?? s.createdAtMs, cause: 'incomplete' };
    case 'TRIALING':
    case 'ACTIVE':
      return { kind: 'renew', atMs: s.currentPeriod.endMs };
    case 'CANCELED':
      return {
        kind: 'expire',
        atMs: s.currentPeriod.endMs,
        cause: s.periodIndex < 0 ? 'trialCanceled' : 'canceled',
      };
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
      return null; // PAUSED (issue 3) and terminal states wait for messages only
  }
}

function touched(s: SubscriptionState, patch: Partial<SubscriptionState>): SubscriptionState {
  return { ...s, ...patch, version: s.version + 1 };
}

/** The `renew` event fired: the next cycle begins and its charge is attempted. */
export function beginRenewal(s: SubscriptionState): SubscriptionState {
  const periodIndex = s.periodIndex + 1;
  return touched(s, {
    periodIndex,
    currentPeriod: periodOf(s.anchor, s.plan.interval, periodIndex),
    cycle: s.cycle + 1,
    attempt: 0,
    unsettledOrders: [],
  });
}

/** Marks a scheduled retry as run (whatever its outcome). */
export function markRetried(s: SubscriptionState, atMs: number): SubscriptionState {
  return s.dunning ? touched(s, { dunning: { ...s.dunning, retriedUntilMs: atMs } }) : s;
}

export interface ChargeRequestPlan {
  cycle: number;
  attempt: number;
  amount: number;
}

/** What the next charge attempt bills. */
export function chargeFor(s: SubscriptionState): ChargeRequestPlan {
  return { cycle: s.cycle, attempt: s.attempt + 1, amount: s.plan.price };
}

export type ChargeOutcome =
  | { outcome: 'paid'; payment: PaymentSummary }
  | { outcome: 'declined'; decline: Decline }
  /** The gateway never answered within the retry budget: dunned as a soft decline, reconciled later. */
  | { outcome: 'unknown'; order: UnsettledOrder; message: string };

/** Feeds a charge attempt's outcome into the state (SPEC §4.5 create, §4.6 dunning and recovery). */
export function applyChargeOutcome(s: SubscriptionState, outcome: ChargeOutcome, nowMs: number): SubscriptionState {
  if (outcome.outcome === 'unknown') {
    const decline: Decline = { kind: 'soft', code: 'GATEWAY_UNAVAILABLE', message: outcome.message };
    const withOrder = { ...s, unsettledOrders: [...s.unsettledOrders, outcome.order] };
    return applyChargeOutcome(withOrder, { outcome: 'declined', decline }, nowMs);
  }
  const result = outcome;
  const counters = { ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1 };
  const base = { attempt: s.attempt + 1, chargeRequested: false, counters };
  if (result.outcome === 'paid') {
    counters.paidCycles += 1;
    counters.amountCharged += result.payment.amount;
    const paid = { ...base, blocked: null, dunning: null, unsettledOrders: [], lastPayment: result.payment, incompleteExpiresAtMs: null };
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
  if (decline.kind === 'merchant') {
    // Not the customer's fault: no step toward hold; an operator must fix the configuration and retry.
    return touched(s, { ...base, blocked: decline });
  }
  if (s.status === 'INCOMPLETE') return touched(s, { ...base, blocked: null });
  // Canceled while its renewal was in flight, and the renewal failed: nothing paid, nothing to dun.
  if (s.status === 'CANCELED') return touched(expire(s, nowMs), { ...base, blocked: null });
  if (s.dunning) {
    return touched(s, {
      ...base,
      blocked: null,
      dunning: {
        ...s.dunning,
        lastDecline: decline,
        // A hard decline stops scheduled retries; a later soft one (new card, new limit) resumes them.
        declineKind: decline.kind,
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
  return touched(s, { status, endedAtMs: nowMs, chargeRequested: false });
}

// ---- messages -------------------------------------------------------------------------------

export function cancelRejection(s: SubscriptionState): string | null {
  if (s.status === 'CANCELED') return 'already canceled; it ends at the current period end (restore undoes the cancel)';
  if (isTerminal(s.status)) return `subscription is ${s.status}; nothing to cancel (create a new subscription instead)`;
  return null;
}

/**
 * Cancel (SPEC §4.5): renewal off, access until the period end. An unpaid subscription (first
 * charge failed, or in grace or hold) has no paid period to run out, so it ends at once.
 */
export function applyCancel(s: SubscriptionState, nowMs: number): SubscriptionState {
  const reason = cancelRejection(s);
  if (reason) throw new TransitionRejected(reason);
  if (s.status === 'INCOMPLETE' || s.status === 'IN_GRACE_PERIOD' || s.status === 'ON_HOLD') {
    return touched(expire(s, nowMs), { dunning: null, blocked: null });
  }
  return touched(s, { status: 'CANCELED' });
}

export function restoreRejection(s: SubscriptionState): string | null {
  if (s.status === 'CANCELED') return null;
  if (isTerminal(s.status)) return `subscription is ${s.status}; restore is only possible before the period end — resubscribe instead`;
  return `subscription is ${s.status}, not CANCELED; only a canceled subscription can be restored`;
}

/** Restore: undo a cancel before the period end; same anchor, no charge now. */
export function applyRestore(s: SubscriptionState): SubscriptionState {
  const reason = restoreRejection(s);
  if (reason) throw new TransitionRejected(reason);
  return touched(s, { status: s.periodIndex < 0 ? 'TRIALING' : 'ACTIVE' });
}

export function paymentMethodUpdateRejection(s: SubscriptionState, paymentMethodId: string): string | null {
  if (isTerminal(s.status)) return `subscription is ${s.status}; resubscribe with the new payment method instead`;
  if (paymentMethodId === s.paymentMethodId && !needsPayment(s)) return 'this payment method is already in use';
  return null;
}

/** Unpaid: a new payment method triggers one immediate attempt (SPEC §4.5). */
export function needsPayment(s: SubscriptionState): boolean {
  return s.status === 'INCOMPLETE' || s.status === 'IN_GRACE_PERIOD' || s.status === 'ON_HOLD' || s.blocked !== null;
}

export function applyPaymentMethodUpdate(s: SubscriptionState, paymentMethodId: string): SubscriptionState {
  const reason = paymentMethodUpdateRejection(s, paymentMethodId);
  if (reason) throw new TransitionRejected(reason);
  return touched(s, { paymentMethodId, chargeRequested: needsPayment(s) });
}

export function retryChargeRejection(s: SubscriptionState): string | null {
  if (isTerminal(s.status)) return `subscription is ${s.status}; nothing to retry`;
  if (!needsPayment(s)) return 'nothing is unpaid; the next charge runs at the scheduled renewal';
  return null;
}

/** Operator retry: after fixing a merchant configuration error, or to retry a decline now. */
export function applyRetryCharge(s: SubscriptionState): SubscriptionState {
  const reason = retryChargeRejection(s);
  if (reason) throw new TransitionRejected(reason);
  return touched(s, { chargeRequested: true, blocked: null });
}

// ---- snapshot -------------------------------------------------------------------------------

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
  trialEndsAt: string | null;
  dunning: null | {
    declineKind: DeclineKind;
    lastDeclineCode: string;
    graceEndsAt: string;
    holdEndsAt: string;
    nextRetryAt: string | null;
  };
  blocked: null | { code: string; message: string };
  lastPayment: null | { paymentId: string; amount: number; approvedAt: string };
  counters: SubscriptionState['counters'];
  cycle: number;
  createdAt: string;
  endedAt: string | null;
  version: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The instant the next charge is scheduled, if renewal is on. */
export function nextBillingAtMs(s: SubscriptionState): number | null {
  if (isTerminal(s.status) || s.status === 'CANCELED' || s.status === 'PAUSED') return null;
  if (s.status === 'INCOMPLETE') return null;
  if (s.dunning) {
    return s.dunning.declineKind === 'soft' ? (nextRetryAfter(s.dunning.schedule, s.dunning.retriedUntilMs) ?? null) : null;
  }
  return s.currentPeriod.endMs;
}

export function snapshotOf(s: SubscriptionState): SubscriptionSnapshot {
  const next = nextBillingAtMs(s);
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
    trialEndsAt: s.trialEndsAtMs === null ? null : iso(s.trialEndsAtMs),
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
      ? { paymentId: s.lastPayment.paymentId, amount: s.lastPayment.amount, approvedAt: iso(s.lastPayment.approvedAtMs) }
      : null,
    counters: s.counters,
    cycle: s.cycle,
    createdAt: iso(s.createdAtMs),
    endedAt: s.endedAtMs === null ? null : iso(s.endedAtMs),
    version: s.version,
  };
}
