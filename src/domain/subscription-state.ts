/**
 * The shape of one subscription's state (docs/lifecycle.md §1, §2, §5): plain and serialisable, carried by the
 * workflow across continue-as-new. The operations live in their own modules; this one holds the
 * types they share, the version bump and the way an operation says "not now".
 */
import type { BillingAnchor, Period } from './calendar';
import type { DunningSchedule } from './dunning';
import type { Plan } from './plans';
import type { RejectionCode } from './rejection-codes';
import type { SubscriptionStatus } from './subscription-status';

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

/** A charge attempt whose outcome the gateway never confirmed: looked up on a backoff until it answers. */
export interface UnsettledOrder {
  orderId: string;
  attempt: number;
  /** Lookups that could not reach the gateway yet (absent in states recorded before lookups). */
  checks?: number;
  /** When the next lookup runs; absent = only before the next attempt (older states). */
  nextCheckAtMs?: number;
  /** Workflow time of the attempt. */
  attemptedAtMs?: number;
}

/** A paid order of this subscription and how much of it has been given back (money-movement.ts). */
export interface PaidOrder {
  paymentId: string;
  amount: number;
  refunded: number;
}

/** A refund sent to the gateway whose answer has not come back yet: its amount is reserved. */
export interface PendingRefund {
  refundId: string;
  paymentId: string;
  amount: number;
  reason: string;
  kind: 'refund' | 'revoke';
  /** The API request that asked for it (a digest of payment and Idempotency-Key), if it had a key. */
  requestKey?: string;
  /** Tries whose outcome stayed unknown; the same refundId is sent again, so it happens once. */
  checks: number;
  nextCheckAtMs: number;
}

export interface PaymentSummary {
  paymentId: string;
  orderId: string;
  amount: number;
  approvedAtMs: number;
  cycle: number;
}

/** A DEFERRED plan change: the new plan starts (and is charged) at the current period end. */
export interface PendingPlanChange {
  plan: Plan;
  requestedAtMs: number;
}

/** A pause asked for while ACTIVE: it starts at the current period end and lasts until `resumeAtMs`. */
export interface PauseState {
  startsAtMs: number;
  resumeAtMs: number;
}

export type RevokeRefund = 'none' | 'prorated' | 'full';

export interface Revocation {
  refund: RevokeRefund;
  atMs: number;
  /** What the refund gave back (0 for none), or why it could not. */
  refundedAmount: number;
  refundError: string | null;
}

export interface UnsettledPurchase {
  orderId: string;
  amount: number;
  /** What the purchase was for, e.g. `plan change (CHARGE_FULL_PRICE)`, `top-up`. */
  what: string;
  /** The cycle and attempt its ledger row belongs to (an immediate purchase is attempt 1). */
  cycle: number;
  attempt: number;
  attemptedAtMs: number;
  /** Lookups that could not reach the gateway yet. */
  checks: number;
  nextCheckAtMs: number;
}

export interface SubscriptionState {
  subscriptionId: string;
  customerKey: string;
  plan: Plan;
  paymentMethodId: string;
  status: SubscriptionStatus;
  anchor: BillingAnchor;
  /**
   * Index of the current period counted from the anchor. Invariant: period `periodIndex + 1` of
   * (anchor, plan interval) starts at `currentPeriod.endMs`; an operation that moves the period
   * end moves the anchor with it (index −1 = the period leading up to the anchor).
   */
  periodIndex: number;
  /** The current period; during dunning it is the unpaid period whose charge failed. */
  currentPeriod: Period;
  /** Monotonic count of billing cycles ever started, across anchor moves: it names orders. */
  cycle: number;
  /** Charge attempts made for the current cycle (the next attempt is attempt + 1). */
  attempt: number;
  trialEndsAtMs: number | null;
  /** When the first charge is due (creation, or a later `startAt`). */
  startsAtMs: number;
  incompleteExpiresAtMs: number | null;
  dunning: DunningState | null;
  /** A merchant-side gateway error (docs/lifecycle.md §5): nothing moves until an operator retries. */
  blocked: Decline | null;
  /** An immediate charge attempt was asked for (first charge, payment-method update, operator retry). */
  chargeRequested: boolean;
  /** Attempts of the current cycle whose outcome never came back: looked up before charging again. */
  unsettledOrders: UnsettledOrder[];
  lastPayment: PaymentSummary | null;
  /** How much of `lastPayment` has been refunded so far. */
  lastPaymentRefunded: number;
  /** Every paid order of this subscription with what was refunded from it: refunds are decided against it. */
  paidOrders: PaidOrder[];
  /** Refunds in flight or unconfirmed: their amounts are reserved until the gateway answers. */
  pendingRefunds: PendingRefund[];
  /** requestKey → refundId of every keyed refund request: a repeated request gets its first refund, never a second. */
  refundRequests: Record<string, string>;
  /** Paid periods still billed at the plan's intro price. */
  introPeriodsLeft: number;
  /**
   * Money paid for the current period: the most a plan change's credit or a prorated refund can
   * give back (time granted for free — a trial, a defer — is never turned into money).
   */
  periodCreditCap: number;
  pendingChange: PendingPlanChange | null;
  pause: PauseState | null;
  /**
   * Immediate purchases the gateway never confirmed: the operation was refused, so if the money
   * moved anyway it is found by a later lookup and given back (purchase-reconciliation.ts).
   */
  unsettledPurchases: UnsettledPurchase[];
  /** Charges found to have gone through whose void Toss refused: an operator refunds them by hand. */
  voidFailures: { orderId: string; amount: number; reason: string }[];
  /** Immediate purchases (prorated or full-price plan changes, top-ups): they name their orders. */
  purchaseSeq: number;
  /** Refunds requested: they name their Idempotency-Keys. */
  refundSeq: number;
  revocation: Revocation | null;
  counters: {
    paidCycles: number;
    chargeAttempts: number;
    declinedAttempts: number;
    amountCharged: number;
    amountRefunded: number;
  };
  createdAtMs: number;
  endedAtMs: number | null;
  /** When `subscription.trial_will_end` is due (null: sent, no trial, or a run from before it existed). */
  trialNoticeAtMs: number | null;
  /** The sequence number of the subscription's last lifecycle event (lifecycle-events.ts). */
  eventSeq: number;
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
  /** Bill the plan's intro price for its first periods (same eligibility as the trial). */
  withIntroPrice?: boolean;
  /** A later start: nothing is charged and nothing is granted before it. */
  startAtMs?: number;
}

/**
 * Why an operation is not allowed now. `state`: the subscription's status forbids it (HTTP 409);
 * `rule`: the request breaks a business rule whatever the status (HTTP 422). The reason says
 * what is allowed instead.
 */
export interface Rejection {
  kind: 'state' | 'rule';
  /** Stable machine code (rejection-codes.ts); `reason` is for people. */
  code: RejectionCode;
  reason: string;
}

export const stateRejection = (code: RejectionCode, reason: string): Rejection => ({ kind: 'state', code, reason });
export const ruleRejection = (code: RejectionCode, reason: string): Rejection => ({ kind: 'rule', code, reason });

export class TransitionRejected extends Error {
  readonly kind: Rejection['kind'];
  readonly code: RejectionCode;
  readonly reason: string;
  constructor(rejection: Rejection) {
    super(rejection.reason);
    this.name = 'TransitionRejected';
    this.kind = rejection.kind;
    this.code = rejection.code;
    this.reason = rejection.reason;
  }
}

export function assertAllowed(rejection: Rejection | null): void {
  if (rejection) throw new TransitionRejected(rejection);
}

export function touched(s: SubscriptionState, patch: Partial<SubscriptionState>): SubscriptionState {
  return { ...s, ...patch, version: s.version + 1 };
}

/** The price of the next paid period: the intro price while intro periods are left. */
export function periodPrice(s: SubscriptionState): number {
  return s.introPeriodsLeft > 0 && s.plan.intro ? s.plan.intro.price : s.plan.price;
}

/** The free period before the first paid cycle. */
export function inTrial(s: SubscriptionState): boolean {
  return s.cycle === 0;
}

/** Fills fields added after a state was recorded (a run continued-as-new by an older build). */
export function withStateDefaults(s: SubscriptionState): SubscriptionState {
  return {
    ...s,
    startsAtMs: s.startsAtMs ?? s.createdAtMs,
    lastPaymentRefunded: s.lastPaymentRefunded ?? 0,
    paidOrders: s.paidOrders ?? (s.lastPayment ? [{ paymentId: s.lastPayment.paymentId, amount: s.lastPayment.amount, refunded: s.lastPaymentRefunded ?? 0 }] : []),
    pendingRefunds: s.pendingRefunds ?? [],
    refundRequests: s.refundRequests ?? {},
    introPeriodsLeft: s.introPeriodsLeft ?? 0,
    periodCreditCap: s.periodCreditCap ?? s.lastPayment?.amount ?? 0,
    pendingChange: s.pendingChange ?? null,
    pause: s.pause ?? null,
    purchaseSeq: s.purchaseSeq ?? 0,
    unsettledPurchases: s.unsettledPurchases ?? [],
    voidFailures: s.voidFailures ?? [],
    refundSeq: s.refundSeq ?? 0,
    revocation: s.revocation ?? null,
    trialNoticeAtMs: s.trialNoticeAtMs ?? null,
    eventSeq: s.eventSeq ?? 0,
    counters: { ...s.counters, amountRefunded: s.counters.amountRefunded ?? 0 },
  };
}
