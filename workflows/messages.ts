/**
 * The subscription workflow's message contract, shared by the workflow and its callers (API,
 * tests). Each operation is an Update with a validator; cancel, restore, changePlan and defer are
 * also Signals with the same handler for fire-and-forget callers (docs/lifecycle.md §2). A rejected Update
 * fails with an ApplicationFailure whose type says why: TransitionRejected (HTTP 409),
 * RuleRejected (422), PaymentDeclined (402), RefundRejected (422).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LifecycleEvent } from '../src/domain/lifecycle-events';
import type { PlanChangeQuoteView, ReplacementMode } from '../src/domain/plan-change';
import type { Plan } from '../src/domain/plans';
import { REJECTION_CODES, type RejectionCode } from '../src/domain/rejection-codes';
import type { CreateSubscriptionInput, RevokeRefund, SubscriptionSnapshot, SubscriptionState } from '../src/domain/subscription';
import type { RefundResult } from '../activities/refund-activity';

export interface SubscriptionWorkflowInput {
  create: CreateSubscriptionInput;
  /** Carried across continue-as-new; absent on the first run. */
  state?: SubscriptionState;
  /** Lifecycle events recorded but not yet written (the projection failed before the run closed). */
  outbox?: LifecycleEvent[];
}

export const REJECTION_TYPES = {
  state: 'TransitionRejected',
  rule: 'RuleRejected',
  declined: 'PaymentDeclined',
  refund: 'RefundRejected',
  /** The gateway never confirmed an immediate charge: refused, looked up later, voided if it went through. */
  unknown: 'PaymentOutcomeUnknown',
} as const;

/** `details[0]` of every rejection's ApplicationFailure: the stable code and the gateway's own, if any. */
export interface RejectionDetail {
  code: RejectionCode;
  gatewayCode?: string;
}

const isRejectionCode = (value: unknown): value is RejectionCode =>
  typeof value === 'string' && (REJECTION_CODES as readonly string[]).includes(value);

export function rejectionDetailOf(value: unknown): RejectionDetail | null {
  if (typeof value !== 'object' || value === null || !('code' in value) || !isRejectionCode(value.code)) return null;
  const gatewayCode = 'gatewayCode' in value && typeof value.gatewayCode === 'string' ? value.gatewayCode : undefined;
  return { code: value.code, ...(gatewayCode !== undefined ? { gatewayCode } : {}) };
}

export const stateQuery = defineQuery<SubscriptionSnapshot>('state');
/** The full state, for previews computed by the same domain functions the workflow runs. */
export const internalStateQuery = defineQuery<SubscriptionState>('internalState');

/** Resolves once the first charge (or the trial start) has settled: the API's synchronous create. */
export const activationUpdate = defineUpdate<SubscriptionSnapshot>('activation');

export const cancelUpdate = defineUpdate<SubscriptionSnapshot>('cancel');
export const cancelSignal = defineSignal('cancel');

export const restoreUpdate = defineUpdate<SubscriptionSnapshot>('restore');
export const restoreSignal = defineSignal('restore');

export interface PaymentMethodChange {
  paymentMethodId: string;
}
export const updatePaymentMethodUpdate = defineUpdate<SubscriptionSnapshot, [PaymentMethodChange]>('updatePaymentMethod');

/** Operator: charge now after fixing a merchant configuration error, or to retry a decline at once. */
export const retryChargeUpdate = defineUpdate<SubscriptionSnapshot>('retryCharge');

/** The plan travels with the message (plans are data; the workflow never reads a database). */
export interface PlanChangeRequest {
  plan: Plan;
  mode?: ReplacementMode;
  /** The preview's `chargeNow`: the change happens only if it still charges exactly that. */
  expectedChargeNow?: number;
}
export interface PlanChangeResult {
  subscription: SubscriptionSnapshot;
  quote: PlanChangeQuoteView;
}
export const changePlanUpdate = defineUpdate<PlanChangeResult, [PlanChangeRequest]>('changePlan');
export const changePlanSignal = defineSignal<[PlanChangeRequest]>('changePlan');

/** `until`: local date `YYYY-MM-DD` in the subscription's zone; billing happens at the anchor's local time. */
export interface DeferRequest {
  until: string;
}
export const deferUpdate = defineUpdate<SubscriptionSnapshot, [DeferRequest]>('defer');
export const deferSignal = defineSignal<[DeferRequest]>('defer');

export interface PauseRequest {
  until: string;
}
export const pauseUpdate = defineUpdate<SubscriptionSnapshot, [PauseRequest]>('pause');
/** Ends a running pause now (charging at once) or withdraws a scheduled one. */
export const resumeUpdate = defineUpdate<SubscriptionSnapshot>('resume');

export const topUpUpdate = defineUpdate<SubscriptionSnapshot>('topUp');

export interface RefundRequest {
  paymentId: string;
  /** Minor units; absent = the whole remaining balance. */
  amount?: number;
  reason?: string;
  /** A digest of the payment and the request's Idempotency-Key: a repeat answers with the first refund. */
  requestKey?: string;
}
/**
 * A refund that happened, or one the gateway has not confirmed yet: it stays reserved and is sent
 * again with the same refund id until the gateway answers (the API answers 202). A refusal is not
 * an answer here: the Update fails with RefundRejected.
 */
export type RefundAnswer =
  | { outcome: 'refunded'; refund: RefundResult }
  | { outcome: 'pending'; refundId: string; paymentId: string; amount: number; message: string }
  | { outcome: 'refused'; code: string; message: string };

export interface RefundOutcome {
  subscription: SubscriptionSnapshot;
  refund: Exclude<RefundAnswer, { outcome: 'refused' }>;
}
export const refundUpdate = defineUpdate<RefundOutcome, [RefundRequest]>('refund');

export interface RevokeRequest {
  refund: RevokeRefund;
  reason?: string;
}
export const revokeUpdate = defineUpdate<SubscriptionSnapshot, [RevokeRequest]>('revoke');
