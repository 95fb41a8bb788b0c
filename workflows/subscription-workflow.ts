/**
 * One subscription = one workflow (SPEC §5). A thin loop over the domain state machine: sleep
 * until `nextEvent` (or until a message changes the state), run it, publish the new state.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SubscriptionActivities } from '../activities';
import { orderIdFor } from '../src/domain/order-id';
import {
  applyCancel,
  applyChargeOutcome,
  applyPaymentMethodUpdate,
  applyRestore,
  applyRetryCharge,
  beginRenewal,
  cancelRejection,
  chargeFor,
  enterHold,
  expire,
  markRetried,
  newSubscription,
  nextBillingAtMs,
  nextEvent,
  paymentMethodUpdateRejection,
  restoreRejection,
  retryChargeRejection,
  snapshotOf,
  type ChargeOutcome,
  type SubscriptionEvent,
  type SubscriptionState,
} from '../src/domain/subscription';
import { isEntitled, isTerminal } from '../src/domain/subscription-status';
import {
  CustomerKeyKey,
  EntitledKey,
  NextBillingAtKey,
  PlanIdKey,
  SubscriptionStatusKey,
} from '../src/temporal/search-attributes';
import {
  activationUpdate,
  cancelSignal,
  cancelUpdate,
  restoreSignal,
  restoreUpdate,
  retryChargeUpdate,
  stateQuery,
  updatePaymentMethodUpdate,
  type SubscriptionWorkflowInput,
} from './messages';
import { chargeSummary, waitSummary } from './summaries';

/** Bounded history: a new run every 12 cycles (SPEC §5), or earlier when the server suggests it. */
export const CYCLES_PER_RUN = 12;

const { chargeSubscription, projectSubscription } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

function rejectIf(reason: string | null): void {
  if (reason) throw new Error(reason);
}

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput) {
  let s: SubscriptionState = input.state ?? newSubscription(input.create, Date.now());
  /** Bumped by every accepted message: wakes the main loop to re-plan its timer. */
  let messages = 0;
  let publishedVersion = 0;
  let cyclesThisRun = 0;

  const change = (next: SubscriptionState) => {
    s = next;
    messages++;
  };
  const snapshot = () => snapshotOf(s);
  /** For updates that trigger a charge: answer once that attempt has settled. */
  const afterNextAttempt = async () => {
    const target = s.counters.chargeAttempts + 1;
    await condition(() => s.counters.chargeAttempts >= target || isTerminal(s.status));
    return snapshot();
  };

  setHandler(stateQuery, snapshot);
  setHandler(activationUpdate, async () => {
    await condition(() => s.status !== 'INCOMPLETE' || s.counters.chargeAttempts > 0 || s.blocked !== null);
    return snapshot();
  });

  const cancel = () => change(applyCancel(s, Date.now()));
  setHandler(cancelUpdate, () => (cancel(), snapshot()), { validator: () => rejectIf(cancelRejection(s)) });
  setHandler(cancelSignal, () => void (cancelRejection(s) === null && cancel()));

  const restore = () => change(applyRestore(s));
  setHandler(restoreUpdate, () => (restore(), snapshot()), { validator: () => rejectIf(restoreRejection(s)) });
  setHandler(restoreSignal, () => void (restoreRejection(s) === null && restore()));

  setHandler(
    updatePaymentMethodUpdate,
    async ({ paymentMethodId }) => {
      change(applyPaymentMethodUpdate(s, paymentMethodId));
      return s.chargeRequested ? afterNextAttempt() : snapshot();
    },
    { validator: ({ paymentMethodId }) => rejectIf(paymentMethodUpdateRejection(s, paymentMethodId)) },
  );

  setHandler(
    retryChargeUpdate,
    async () => {
      change(applyRetryCharge(s));
      return afterNextAttempt();
    },
    { validator: () => rejectIf(retryChargeRejection(s)) },
  );

  async function publish(): Promise<void> {
    if (s.version === publishedVersion) return;
    publishedVersion = s.version;
    const next = nextBillingAtMs(s);
    upsertSearchAttributes([
      { key: SubscriptionStatusKey, value: s.status },
      { key: CustomerKeyKey, value: s.customerKey },
      { key: PlanIdKey, value: s.plan.id },
      { key: NextBillingAtKey, value: next === null ? null : new Date(next) },
      { key: EntitledKey, value: isEntitled(s.status) },
    ]);
    await projectSubscription.executeWithOptions(
      { startToCloseTimeout: '30 seconds', summary: `project ${s.status} v${s.version}` },
      [snapshot()],
    );
  }

  async function attemptCharge(): Promise<void> {
    const { cycle, attempt, amount } = chargeFor(s);
    const orderId = orderIdFor(s.subscriptionId, cycle, attempt);
    let outcome: ChargeOutcome;
    try {
      outcome = await chargeSubscription.executeWithOptions({ summary: chargeSummary(s) }, [
        {
          subscriptionId: s.subscriptionId,
          customerKey: s.customerKey,
          paymentMethodId: s.paymentMethodId,
          orderId,
          orderName: `${s.plan.name} #${cycle}`,
          amount,
          currency: s.plan.currency,
          cycle,
          attempt,
          dueAtMs: s.currentPeriod.startMs,
          attemptedAtMs: Date.now(),
          unsettledOrders: s.unsettledOrders,
        },
      ]);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      outcome = { outcome: 'unknown', order: { orderId, attempt }, message: error.cause?.message ?? error.message };
    }
    s = applyChargeOutcome(s, outcome, Date.now());
  }

  async function run(event: SubscriptionEvent): Promise<void> {
    switch (event.kind) {
      case 'charge':
        return attemptCharge();
      case 'renew':
        s = beginRenewal(s);
        cyclesThisRun++;
        return attemptCharge();
      case 'retry':
        s = markRetried(s, event.atMs);
        return attemptCharge();
      // Phase changes are stamped with their scheduled instant, not the (slightly later) timer firing.
      case 'enterHold':
        s = enterHold(s, event.atMs);
        return;
      case 'expire':
        s = expire(s, event.atMs);
        return;
    }
  }

  for (;;) {
    await publish();
    if (isTerminal(s.status)) break;
    if (cyclesThisRun >= CYCLES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await publish();
      return continueAsNew<typeof subscriptionWorkflow>({ create: input.create, state: s });
    }
    const seen = messages;
    const event = nextEvent(s);
    if (event === null) {
      await condition(() => messages !== seen);
      continue;
    }
    const waitMs = event.atMs - Date.now();
    if (waitMs > 0 && (await condition(() => messages !== seen, waitMs, { summary: waitSummary(event, s) }))) {
      continue; // a message changed the plan: recompute the next event
    }
    await run(event);
  }
  // Updates still in flight (e.g. waiting on this attempt) answer before the run closes.
  await condition(allHandlersFinished);
  return snapshot();
}
