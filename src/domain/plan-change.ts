/**
 * Plan changes in the five replacement modes of seed `002_…` (docs/lifecycle.md §3). One function,
 * `planChangeOutcome`, computes both the quote the API previews and the state the workflow
 * adopts, so a preview is by construction what the change does.
 */
import { withPaidOrder } from './money-movement';
import {
  addDays,
  addIntervalToDate,
  anchorAt,
  anchorOn,
  localDateOf,
  localToInstantMs,
  periodOf,
  rebaseAnchor,
  type BillingAnchor,
  type BillingInterval,
} from './calendar';
import type { Plan } from './plans';
import {
  costsMorePerTime,
  creditFor,
  creditToTime,
  dateAfterCreditTime,
  newCostOfRemainder,
  remainingFraction,
  type CreditTime,
  type ProrationBasis,
} from './proration';
import { isTerminal } from './subscription-status';
import {
  inTrial,
  ruleRejection,
  stateRejection,
  touched,
  TransitionRejected,
  type PaymentSummary,
  type Rejection,
  type SubscriptionState,
} from './subscription-state';
import { nextBillingAtMs, nextChargeAmount } from './subscription-snapshot';

export const REPLACEMENT_MODES = [
  'WITH_TIME_PRORATION',
  'CHARGE_PRORATED_PRICE',
  'CHARGE_FULL_PRICE',
  'WITHOUT_PRORATION',
  'DEFERRED',
] as const;
export type ReplacementMode = (typeof REPLACEMENT_MODES)[number];

export interface PlanChangeQuote {
  fromPlanId: string;
  toPlanId: string;
  /** The mode actually used: the requested one, or the default for this kind of change. */
  mode: ReplacementMode;
  modeDefaulted: boolean;
  /** `switch`: the new plan applies now; `schedule`: at the period end; `withdraw`: a pending change is dropped. */
  action: 'switch' | 'schedule' | 'withdraw';
  currency: string;
  /** Value of the unused part of the current period, from the current plan's price. */
  credit: number;
  newCostOfRemainder: number | null;
  /** Charged at once when the change is applied (minor units). */
  chargeNow: number;
  /** Time the credit buys on the new plan (time proration) or appends to the new period (full price). */
  creditTime: CreditTime | null;
  newPlanStartsAtMs: number;
  nextBillingAtMs: number | null;
  nextChargeAmount: number | null;
  atMs: number;
}

export interface PlanChangeOutcome {
  quote: PlanChangeQuote;
  /** The state after the change, assuming `quote.chargeNow` (if any) is paid. */
  next: SubscriptionState;
}

const sameInterval = (a: BillingInterval, b: BillingInterval) => a.unit === b.unit && a.count === b.count;

/** The period has not been bent by a trial, defer or earlier change: one whole interval of the plan. */
export function isRegularPeriod(s: SubscriptionState): boolean {
  if (inTrial(s)) return false;
  const p = periodOf(s.anchor, s.plan.interval, s.periodIndex);
  return p.startMs === s.currentPeriod.startMs && p.endMs === s.currentPeriod.endMs;
}

export function prorationBasis(s: SubscriptionState, atMs: number): ProrationBasis {
  const tz = s.anchor.timeZone;
  return {
    fraction: remainingFraction(s.currentPeriod, atMs, tz),
    regular: isRegularPeriod(s),
    periodStartDate: localDateOf(s.currentPeriod.startMs, tz),
  };
}

/** What the unused rest of the current period is worth now (plan changes, prorated refunds). */
export function creditAt(s: SubscriptionState, atMs: number): number {
  return inTrial(s) ? 0 : creditFor(s.plan, prorationBasis(s, atMs), s.periodCreditCap);
}

function statusRejection(s: SubscriptionState): Rejection | null {
  if (isTerminal(s.status)) return stateRejection('subscription-ended', `subscription is ${s.status}; subscribe to the new plan instead`);
  switch (s.status) {
    case 'CANCELED':
      return stateRejection('subscription-canceled', 'subscription is CANCELED; restore it first, or subscribe to the new plan after it ends');
    case 'INCOMPLETE':
      return stateRejection('subscription-incomplete', 'the first charge is unpaid; update the payment method, or cancel and subscribe to the new plan');
    case 'IN_GRACE_PERIOD':
    case 'ON_HOLD':
      return stateRejection('payment-overdue', `subscription is ${s.status}: a renewal is unpaid; update the payment method first`);
    case 'PAUSED':
      return stateRejection('subscription-paused', 'subscription is PAUSED; resume it first');
    default:
      return s.pause ? stateRejection('pause-scheduled', 'a pause is scheduled; withdraw it with resume first') : null;
  }
}

/** The mode a change uses, or why it is not allowed (the seed's mode rules, docs/lifecycle.md §3.2). */
export function resolvePlanChangeMode(
  s: SubscriptionState,
  plan: Plan,
  requested: ReplacementMode | undefined,
): { mode: ReplacementMode; defaulted: boolean } | Rejection {
  const byStatus = statusRejection(s);
  if (byStatus) return byStatus;
  if (requested !== undefined && !REPLACEMENT_MODES.includes(requested)) {
    return ruleRejection('invalid-mode', `unknown mode ${String(requested)}; use one of ${REPLACEMENT_MODES.join(', ')}`);
  }
  if (plan.currency !== s.plan.currency) {
    return ruleRejection('currency-mismatch', `plan ${plan.id} is billed in ${plan.currency}, this subscription in ${s.plan.currency}; pick a ${s.plan.currency} plan`);
  }
  if (plan.id === s.plan.id) {
    if (s.pendingChange) return { mode: 'DEFERRED', defaulted: requested === undefined };
    return ruleRejection('same-plan', `already on plan ${plan.id}`);
  }
  const pick = (allowed: ReplacementMode[], fallback: ReplacementMode, why: string) => {
    if (requested === undefined) return { mode: fallback, defaulted: true };
    if (allowed.includes(requested)) return { mode: requested, defaulted: false };
    return ruleRejection('mode-not-allowed', `${requested} is not allowed ${why}; use ${allowed.join(' or ')}`);
  };
  if (!plan.autoRenew) return pick(['CHARGE_FULL_PRICE'], 'CHARGE_FULL_PRICE', 'when switching to a prepaid plan');
  if (plan.product === s.plan.product) {
    return pick(['CHARGE_FULL_PRICE', 'WITHOUT_PRORATION'], 'WITHOUT_PRORATION', `between base plans of the same product (${plan.product})`);
  }
  if (inTrial(s)) {
    return pick(['WITHOUT_PRORATION', 'CHARGE_FULL_PRICE', 'DEFERRED'], 'WITHOUT_PRORATION', 'during a trial (nothing has been paid to prorate)');
  }
  const upgrade = costsMorePerTime(s.plan, plan, localDateOf(s.currentPeriod.startMs, s.anchor.timeZone));
  if (requested === 'CHARGE_PRORATED_PRICE' && !upgrade) {
    return ruleRejection(
      'not-an-upgrade',
      `CHARGE_PRORATED_PRICE needs a plan that costs more per unit of time than ${s.plan.id}; for this downgrade use DEFERRED, WITH_TIME_PRORATION, WITHOUT_PRORATION or CHARGE_FULL_PRICE`,
    );
  }
  return requested === undefined ? { mode: upgrade ? 'CHARGE_PRORATED_PRICE' : 'DEFERRED', defaulted: true } : { mode: requested, defaulted: false };
}

const isRejection = (x: object): x is Rejection => 'reason' in x;

export function planChangeRejection(s: SubscriptionState, plan: Plan, requested?: ReplacementMode): Rejection | null {
  const resolved = resolvePlanChangeMode(s, plan, requested);
  return isRejection(resolved) ? resolved : null;
}

/**
 * A change applied with the amount its preview showed goes through only at that amount: if the
 * subscription or the local day moved on since the preview, nothing is charged and the caller
 * previews again (a preview is a promise, not an estimate).
 */
export function quoteMismatch(quote: PlanChangeQuote, expectedChargeNow: number | undefined): Rejection | null {
  if (expectedChargeNow === undefined || expectedChargeNow === quote.chargeNow) return null;
  return stateRejection(
    'preview-stale',
    `this change would now charge ${quote.chargeNow}, not the previewed ${expectedChargeNow} (the subscription or the local date changed since the preview); preview again`,
  );
}

/** The anchor and index that keep billing dates while the interval changes at the period end. */
function keepBillingDates(s: SubscriptionState, plan: Plan): { anchor: BillingAnchor; periodIndex: number } {
  if (sameInterval(s.plan.interval, plan.interval)) return { anchor: s.anchor, periodIndex: s.periodIndex };
  return { anchor: rebaseAnchor(s.anchor, s.plan.interval, s.periodIndex + 1), periodIndex: -1 };
}

/** Quote and resulting state of changing to `plan` at `atMs`; throws TransitionRejected when not allowed. */
export function planChangeOutcome(
  s: SubscriptionState,
  plan: Plan,
  requested: ReplacementMode | undefined,
  atMs: number,
): PlanChangeOutcome {
  const resolved = resolvePlanChangeMode(s, plan, requested);
  if (isRejection(resolved)) throw new TransitionRejected(resolved);
  const { mode, defaulted } = resolved;
  const tz = s.anchor.timeZone;
  const changeDate = localDateOf(atMs, tz);
  const basis = prorationBasis(s, atMs);
  const credit = creditAt(s, atMs);
  const switched = { plan, pendingChange: null, introPeriodsLeft: 0 };

  let next: SubscriptionState;
  let chargeNow = 0;
  let cost: number | null = null;
  let creditTime: CreditTime | null = null;
  let action: PlanChangeQuote['action'] = 'switch';
  let newPlanStartsAtMs = atMs;

  switch (mode) {
    case 'WITH_TIME_PRORATION': {
      // The change day is used; the credit buys time on the new plan from the next day on.
      const from = addDays(changeDate, 1);
      creditTime = creditToTime(credit, plan, from);
      const nextDate = dateAfterCreditTime(from, plan, creditTime);
      const anchor = anchorOn(nextDate, s.anchor.time, tz);
      next = touched(s, {
        ...switched,
        anchor,
        periodIndex: -1,
        currentPeriod: { startMs: atMs, endMs: localToInstantMs(nextDate, s.anchor.time, tz) },
        periodCreditCap: credit,
      });
      break;
    }
    case 'CHARGE_PRORATED_PRICE': {
      cost = newCostOfRemainder(s.plan, plan, basis);
      chargeNow = Math.max(0, cost - credit);
      next = touched(s, {
        ...switched,
        ...keepBillingDates(s, plan),
        periodCreditCap: Math.max(cost, credit),
        purchaseSeq: s.purchaseSeq + (chargeNow > 0 ? 1 : 0),
      });
      break;
    }
    case 'CHARGE_FULL_PRICE': {
      // A new period starts now; the credit is appended to it as whole periods, then whole days.
      const start = anchorAt(atMs, tz);
      const paidEnd = addIntervalToDate(start.date, plan.interval, 1);
      creditTime = creditToTime(credit, plan, paidEnd);
      const nextDate = dateAfterCreditTime(paidEnd, plan, creditTime);
      chargeNow = plan.price;
      next = touched(s, {
        ...switched,
        status: 'ACTIVE',
        anchor: anchorOn(nextDate, start.time, tz),
        periodIndex: -1,
        currentPeriod: { startMs: atMs, endMs: localToInstantMs(nextDate, start.time, tz) },
        cycle: s.cycle + 1,
        attempt: 0,
        unsettledOrders: [],
        periodCreditCap: plan.price + credit,
        purchaseSeq: s.purchaseSeq + 1,
      });
      break;
    }
    case 'WITHOUT_PRORATION':
      next = touched(s, { ...switched, ...keepBillingDates(s, plan) });
      break;
    case 'DEFERRED':
      newPlanStartsAtMs = s.currentPeriod.endMs;
      if (plan.id === s.plan.id) {
        action = 'withdraw';
        next = touched(s, { pendingChange: null });
      } else {
        action = 'schedule';
        next = touched(s, { pendingChange: { plan, requestedAtMs: atMs } });
      }
      break;
  }
  const nextBilling = nextBillingAtMs(next);
  return {
    quote: {
      fromPlanId: s.plan.id,
      toPlanId: plan.id,
      mode,
      modeDefaulted: defaulted,
      action,
      currency: s.plan.currency,
      credit: mode === 'WITHOUT_PRORATION' || mode === 'DEFERRED' ? 0 : credit,
      newCostOfRemainder: cost,
      chargeNow,
      creditTime,
      newPlanStartsAtMs,
      nextBillingAtMs: nextBilling,
      nextChargeAmount: nextChargeAmount(next),
      atMs,
    },
    next,
  };
}

/** The change's immediate charge went through: it is the period's latest payment. */
export function withPurchasePaid(s: SubscriptionState, payment: PaymentSummary, startsPeriod: boolean): SubscriptionState {
  const booked = withPaidOrder(s, payment);
  return touched(s, {
    lastPayment: payment,
    lastPaymentRefunded: 0,
    blocked: null,
    paidOrders: booked.paidOrders,
    counters: {
      ...booked.counters,
      chargeAttempts: s.counters.chargeAttempts + 1,
      paidCycles: s.counters.paidCycles + (startsPeriod ? 1 : 0),
    },
  });
}

/** A declined immediate charge changes nothing but the counters and the order sequence. */
export function withPurchaseDeclined(s: SubscriptionState): SubscriptionState {
  return touched(s, {
    purchaseSeq: s.purchaseSeq + 1,
    counters: { ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1, declinedAttempts: s.counters.declinedAttempts + 1 },
  });
}

/** The quote as the API and the workflow answer it: ISO instants, minor units. */
export interface PlanChangeQuoteView {
  fromPlanId: string;
  toPlanId: string;
  mode: ReplacementMode;
  modeDefaulted: boolean;
  action: PlanChangeQuote['action'];
  currency: string;
  credit: number;
  newCostOfRemainder: number | null;
  chargeNow: number;
  creditTime: CreditTime | null;
  newPlanStartsAt: string;
  nextBillingAt: string | null;
  nextChargeAmount: number | null;
  at: string;
}

export function quoteView(q: PlanChangeQuote): PlanChangeQuoteView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    fromPlanId: q.fromPlanId,
    toPlanId: q.toPlanId,
    mode: q.mode,
    modeDefaulted: q.modeDefaulted,
    action: q.action,
    currency: q.currency,
    credit: q.credit,
    newCostOfRemainder: q.newCostOfRemainder,
    chargeNow: q.chargeNow,
    creditTime: q.creditTime,
    newPlanStartsAt: iso(q.newPlanStartsAtMs),
    nextBillingAt: q.nextBillingAtMs === null ? null : iso(q.nextBillingAtMs),
    nextChargeAmount: q.nextChargeAmount,
    at: iso(q.atMs),
  };
}
