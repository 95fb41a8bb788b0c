/**
 * The subscription workflow's message contract, shared by the workflow and its callers (API,
 * tests). Each operation is an Update with a validator; the ones fire-and-forget callers need
 * are also Signals with the same handler (SPEC §4.5).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreateSubscriptionInput, SubscriptionSnapshot, SubscriptionState } from '../src/domain/subscription';

export interface SubscriptionWorkflowInput {
  create: CreateSubscriptionInput;
  /** Carried across continue-as-new; absent on the first run. */
  state?: SubscriptionState;
}

export const stateQuery = defineQuery<SubscriptionSnapshot>('state');

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
