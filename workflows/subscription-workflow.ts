/**
 * One subscription = one workflow (README, Architecture). A thin loop over the domain state machine: sleep
 * until `nextEvent` (or until a message changes the state), run it, publish the new state.
 * Every state change — timer events and messages alike — runs one at a time (`exclusively`), so
 * an operation awaiting a charge or refund can never interleave with a renewal or another message.
 */
import { Mutex } from 'async-mutex';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SubscriptionActivities } from '../activities';
import { applyDefer, deferRejection } from '../src/domain/defer';
import {
  creationEvents,
  eventsOfTurn,
  stampEvents,
  type EventDraft,
  type LifecycleEvent,
  type MessageName,
  type TurnCause,
} from '../src/domain/lifecycle-events';
import { applyPause, applyResume, beginResume, pauseRejection, resumeRejection, startPause } from '../src/domain/pause';
import {
  planChangeOutcome,
  planChangeRejection,
  quoteMismatch,
  quoteView,
  withPurchaseDeclined,
  withPurchasePaid,
} from '../src/domain/plan-change';
import { topUpOutcome, topUpRejection } from '../src/domain/prepaid';
import { withPurchaseCheckFailed, withPurchaseSettled, withPurchaseUnknown } from '../src/domain/purchase-reconciliation';
import { applyRevoke, revokeRefundAmount, revokeRejection } from '../src/domain/revoke';
import {
  decideRefund,
  purchaseChargeEffect,
  refundOfRequest,
  refundRejection,
  withOrderCheckFailed,
  withRefundOutcome,
  type ChargeEffect,
  type RefundOutcome as RefundBooking,
} from '../src/domain/money-movement';
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
  hasUnsettledMoney,
  markRetried,
  newSubscription,
  nextBillingAtMs,
  nextEvent,
  noteTrialEnding,
  paymentMethodUpdateRejection,
  restoreRejection,
  retryChargeRejection,
  snapshotOf,
  TransitionRejected,
  withChargeLookup,
  withStateDefaults,
  type ChargeOutcome,
  type Rejection,
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
  changePlanSignal,
  changePlanUpdate,
  deferSignal,
  deferUpdate,
  internalStateQuery,
  pauseUpdate,
  refundUpdate,
  REJECTION_TYPES,
  restoreSignal,
  restoreUpdate,
  resumeUpdate,
  retryChargeUpdate,
  revokeUpdate,
  stateQuery,
  topUpUpdate,
  updatePaymentMethodUpdate,
  type PlanChangeRequest,
  type RefundAnswer,
  type RejectionDetail,
  type SubscriptionWorkflowInput,
} from './messages';
import { chargeSummary, purchaseSummary, refundSummary, settleSummary, waitSummary } from './summaries';

/** Bounded history: a new run every 12 cycles (README, Architecture), or earlier when the server suggests it. */
export const CYCLES_PER_RUN = 12;

/** A projection that failed after all its retries is written again this much later. */
const PROJECTION_RETRY_MS = 10 * 60_000;

const { chargeSubscription } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

/**
 * The projection is a local activity: it runs inside the workflow task that also upserts the search
 * attributes and starts the next timer, so a charge costs two workflow tasks and one activity, the
 * shape of the minimal workflow the benchmark measures (docs/benchmarks.md). Its retries are short and
 * stay in the task; after them the projection is written again later (PROJECTION_RETRY_MS).
 */
/** Runs started before the projection became a local activity keep the activity (see `LOCAL_PROJECTION`). */
const { projectSubscription: projectSubscriptionActivity } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

/**
 * The patch that brought the local projection, the awaits skipped at the loop's top and the task
 * boundary before continue-as-new: runs recorded before it replay the old path until their next run.
 */
export const LOCAL_PROJECTION = 'projection-local-activity';

/**
 * The patch that brought the trial-end notice, a timer of its own: runs recorded before it never
 * set one. (Lifecycle events themselves ride in the projection's input and change no command.)
 */
export const TRIAL_NOTICE = 'trial-end-notice';

const { projectSubscription } = proxyLocalActivities<SubscriptionActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
});

/**
 * An immediate charge answers a caller who is waiting (a purchase, a first charge, a requested
 * retry): a short retry budget (about 10 s when Toss
 * answers errors), then "outcome unknown" and a later lookup instead of minutes of silence. Each
 * attempt outlives the Toss client's 30 s timeout, so attempts never overlap.
 */
const { chargeSubscription: chargePurchase } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '35 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
});

/**
 * A refund answers a waiting caller too: a short budget, then "pending" and a resend with the same
 * refund id (its Idempotency-Key) on a backoff, so the refund happens exactly once.
 */
const { refundPayment } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '35 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
});

/** A lookup holds the subscription's turn: it tries briefly, and its own schedule backs off. */
const { settlePurchase, lookUpCharge } = proxyActivities<SubscriptionActivities>({
  startToCloseTimeout: '35 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 2 },
});

function failureOf(r: Rejection): ApplicationFailure {
  return ApplicationFailure.create({ message: r.reason, type: REJECTION_TYPES[r.kind], nonRetryable: true, details: [{ code: r.code } satisfies RejectionDetail] });
}

/** Validators and handlers say "no" with a typed failure the API maps to 409/422. */
function rejectIf(rejection: Rejection | null): void {
  if (rejection) throw failureOf(rejection);
}

function asFailure(error: unknown): unknown {
  return error instanceof TransitionRejected ? failureOf(error) : error;
}

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput) {
  const localProjection = patched(LOCAL_PROJECTION);
  let s: SubscriptionState = input.state ? withStateDefaults(input.state) : newSubscription(input.create, Date.now());
  if (!patched(TRIAL_NOTICE)) s = { ...s, trialNoticeAtMs: null };
  /** Lifecycle events not yet written with a projection (docs/events.md): carried across continue-as-new. */
  let outbox: LifecycleEvent[] = input.outbox ?? [];
  /** The charge outcomes the current turn saw: the events of a decline come from them. */
  let seenCharges: ChargeOutcome[] = [];
  function record(drafts: EventDraft[]): void {
    const stamped = stampEvents(s, drafts, Date.now(), uuid4);
    s = stamped.state;
    outbox = [...outbox, ...stamped.events];
  }
  /** Tells what a turn did as lifecycle events, from the state before it and the state now. */
  function recordTurn(cause: TurnCause, before: SubscriptionState): void {
    record(eventsOfTurn(cause, before, s, seenCharges));
    seenCharges = [];
  }
  if (!input.state) record(creationEvents(s));
  /** Bumped by every accepted change: wakes the main loop to re-plan its timer. */
  let messages = 0;
  /**
   * One turn at a time for every state change, timer events and messages alike: a FIFO lock, not a
   * flag — several handlers waiting on a flag are all released in the same activation.
   */
  const turn = new Mutex();
  let publishedVersion = 0;
  let cyclesThisRun = 0;

  const snapshot = () => snapshotOf(s);

  /** Runs one state change at a time and records its events; domain rejections leave as typed failures. */
  function exclusively<T>(name: MessageName, fn: () => Promise<T> | T): Promise<T> {
    return turn.runExclusive(async () => {
      const before = s;
      try {
        return await fn();
      } catch (error) {
        throw asFailure(error);
      } finally {
        recordTurn({ kind: 'message', name }, before);
        messages++;
      }
    });
  }

  /** Handlers waiting for a charge the main loop runs: the run must not close under them. */
  let waitingForCharge = 0;

  /**
   * For updates that trigger a charge: answer once the attempt counted `target` has settled, or at
   * once when the charge is not due yet (a subscription whose start is still ahead).
   */
  const afterAttempt = async (target: number) => {
    if (s.startsAtMs > Date.now()) return snapshot();
    waitingForCharge++;
    try {
      await condition(() => s.counters.chargeAttempts >= target || isTerminal(s.status));
    } finally {
      waitingForCharge--;
    }
    return snapshot();
  };
  /** The attempt the next charge will be counted as, read inside the turn that asked for it. */
  const nextAttempt = () => s.counters.chargeAttempts + 1;

  /** Signals share the Update handlers; a rejected signal is logged, never fails the workflow. */
  const fireAndForget = (what: string, run: () => Promise<unknown>) =>
    run().catch((error: unknown) => log.warn(`${what} signal rejected`, { reason: (error as Error).message }));

  setHandler(stateQuery, snapshot);
  setHandler(internalStateQuery, () => s);
  setHandler(activationUpdate, async () => {
    if (s.counters.chargeAttempts === 0 && s.startsAtMs > Date.now()) return snapshot(); // a later start: nothing to settle yet
    await condition(() => s.status !== 'INCOMPLETE' || s.counters.chargeAttempts > 0 || s.blocked !== null);
    return snapshot();
  });

  const cancel = () => exclusively('cancel', () => ((s = applyCancel(s, Date.now())), snapshot()));
  setHandler(cancelUpdate, cancel, { validator: () => rejectIf(cancelRejection(s)) });
  setHandler(cancelSignal, () => void fireAndForget('cancel', cancel));

  const restore = () => exclusively('restore', () => ((s = applyRestore(s)), snapshot()));
  setHandler(restoreUpdate, restore, { validator: () => rejectIf(restoreRejection(s)) });
  setHandler(restoreSignal, () => void fireAndForget('restore', restore));

  setHandler(
    updatePaymentMethodUpdate,
    async ({ paymentMethodId }) => {
      const target = await exclusively('updatePaymentMethod', () => ((s = applyPaymentMethodUpdate(s, paymentMethodId)), s.chargeRequested ? nextAttempt() : null));
      return target === null ? snapshot() : afterAttempt(target);
    },
    { validator: ({ paymentMethodId }) => rejectIf(paymentMethodUpdateRejection(s, paymentMethodId)) },
  );

  setHandler(
    retryChargeUpdate,
    async () => {
      return afterAttempt(await exclusively('retryCharge', () => ((s = applyRetryCharge(s)), nextAttempt())));
    },
    { validator: () => rejectIf(retryChargeRejection(s)) },
  );

  /** An immediate charge that is part of an operation: declined = the operation is refused. */
  async function purchase(next: SubscriptionState, amount: number, what: string, startsPeriod: boolean): Promise<void> {
    const effect = purchaseChargeEffect(next, amount, `${next.plan.name} ${what}`, Date.now());
    const { orderId } = effect;
    const outcome = await charge({ ...effect, unsettled: [] }, purchaseSummary(what, amount, next.plan.currency), chargePurchase);
    if (outcome.outcome === 'paid') {
      s = withPurchasePaid(next, outcome.payment, startsPeriod);
      return;
    }
    if (outcome.outcome === 'unknown') {
      s = withPurchaseUnknown(s, { orderId, amount, what, cycle: next.cycle }, Date.now());
      throw ApplicationFailure.create({
        type: REJECTION_TYPES.unknown,
        message: `the payment gateway did not confirm the ${what} charge of ${amount} (${outcome.message}); nothing changed. If the charge went through, it is refunded in full automatically (order ${orderId}); try again later`,
        nonRetryable: true,
        details: [{ code: 'payment-outcome-unknown' } satisfies RejectionDetail],
      });
    }
    s = withPurchaseDeclined(s);
    throw ApplicationFailure.create({
      type: REJECTION_TYPES.declined,
      message: `the ${what} charge of ${amount} was not approved (${outcome.decline.code}: ${outcome.decline.message}); nothing changed`,
      nonRetryable: true,
      details: [{ code: 'payment-declined', gatewayCode: outcome.decline.code } satisfies RejectionDetail],
    });
  }

  const changePlan = ({ plan, mode, expectedChargeNow }: PlanChangeRequest) =>
    exclusively('changePlan', async () => {
      // Decided again on the state this turn sees: a renewal or message may have gone first.
      const { quote, next } = planChangeOutcome(s, plan, mode, Date.now());
      rejectIf(quoteMismatch(quote, expectedChargeNow));
      if (quote.chargeNow > 0) await purchase(next, quote.chargeNow, `plan change (${quote.mode})`, quote.mode === 'CHARGE_FULL_PRICE');
      else s = next;
      return { subscription: snapshot(), quote: quoteView(quote) };
    });
  setHandler(changePlanUpdate, changePlan, {
    validator: ({ plan, mode, expectedChargeNow }) => {
      rejectIf(planChangeRejection(s, plan, mode));
      rejectIf(quoteMismatch(planChangeOutcome(s, plan, mode, Date.now()).quote, expectedChargeNow));
    },
  });
  setHandler(changePlanSignal, (request) => void fireAndForget('changePlan', () => changePlan(request)));

  const defer = ({ until }: { until: string }) => exclusively('defer', () => ((s = applyDefer(s, until)), snapshot()));
  setHandler(deferUpdate, defer, { validator: ({ until }) => rejectIf(deferRejection(s, until)) });
  setHandler(deferSignal, (request) => void fireAndForget('defer', () => defer(request)));

  setHandler(pauseUpdate, ({ until }) => exclusively('pause', () => ((s = applyPause(s, until)), snapshot())), {
    validator: ({ until }) => rejectIf(pauseRejection(s, until)),
  });
  setHandler(
    resumeUpdate,
    async () => {
      const target = await exclusively('resume', () => {
        const wasPaused = s.status === 'PAUSED';
        s = applyResume(s, Date.now());
        return wasPaused ? nextAttempt() : null;
      });
      return target === null ? snapshot() : afterAttempt(target);
    },
    { validator: () => rejectIf(resumeRejection(s)) },
  );

  setHandler(
    topUpUpdate,
    () =>
      exclusively('topUp', async () => {
        const { chargeNow, next } = topUpOutcome(s);
        await purchase(next, chargeNow, 'top-up', true);
        return snapshot();
      }),
    { validator: () => rejectIf(topUpRejection(s)) },
  );

  /** Runs a decided refund at the gateway and books its answer (money-movement.ts). */
  async function runRefund(refundId: string): Promise<RefundAnswer> {
    const refund = s.pendingRefunds.find((r) => r.refundId === refundId);
    if (!refund) throw new Error(`no pending refund ${refundId}`);
    let booking: RefundBooking;
    let answer: RefundAnswer;
    try {
      const attempt = await refundPayment.executeWithOptions(
        { summary: refundSummary(refund.kind, refund.paymentId, refund.amount, s.plan.currency) },
        [
          {
            subscriptionId: s.subscriptionId,
            paymentId: refund.paymentId,
            refundId,
            amount: refund.amount,
            reason: refund.reason,
            kind: refund.kind,
            ...(refund.requestKey ? { requestKey: refund.requestKey } : {}),
          },
        ],
      );
      if (attempt.outcome === 'refunded') {
        const r = attempt.refund;
        booking = { outcome: 'refunded', amount: r.amount, balanceAmount: r.balanceAmount, refundedAtMs: r.refundedAtMs };
        answer = { outcome: 'refunded', refund: r };
      } else {
        booking = { outcome: 'refused', code: attempt.code, message: attempt.message };
        answer = { outcome: 'refused', code: attempt.code, message: attempt.message };
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const message = error.cause?.message ?? error.message;
      booking = { outcome: 'unknown', message };
      answer = { outcome: 'pending', refundId, paymentId: refund.paymentId, amount: refund.amount, message };
    }
    s = withRefundOutcome(s, refundId, booking, Date.now());
    return answer;
  }

  /**
   * Answers a repeated refund request: resent if its answer is still unknown, else read back from
   * the ledger by its refund id (the activity answers a recorded refund without asking the gateway).
   */
  async function answerEarlierRefund(refundId: string, paymentId: string, amount: number | undefined, reason: string): Promise<RefundAnswer> {
    if (s.pendingRefunds.some((r) => r.refundId === refundId)) return runRefund(refundId);
    const attempt = await refundPayment.executeWithOptions({ summary: `answer the earlier refund ${refundId} again` }, [
      { subscriptionId: s.subscriptionId, paymentId, refundId, ...(amount !== undefined ? { amount } : {}), reason, kind: 'refund' },
    ]);
    return attempt.outcome === 'refunded' ? { outcome: 'refunded', refund: attempt.refund } : { outcome: 'refused', code: attempt.code, message: attempt.message };
  }

  setHandler(
    refundUpdate,
    ({ paymentId, amount, reason, requestKey }) =>
      exclusively('refund', async () => {
        const earlier = refundOfRequest(s, requestKey);
        let answer: RefundAnswer;
        if (earlier !== null) {
          // The same request again (a retry after a lost answer): its refund, never a second one.
          answer = await answerEarlierRefund(earlier, paymentId, amount, reason ?? 'merchant refund');
        } else {
          // Decided again inside the turn, on the state it changes: the amount is reserved before the gateway is asked.
          const request = { paymentId, ...(amount !== undefined ? { amount } : {}), reason: reason ?? 'merchant refund', kind: 'refund' as const, ...(requestKey ? { requestKey } : {}) };
          const decided = decideRefund(s, request, Date.now());
          if ('code' in decided) throw failureOf(decided);
          s = decided.next;
          answer = await runRefund(decided.effect.refund.refundId);
        }
        if (answer.outcome === 'refused') {
          throw ApplicationFailure.create({
            type: REJECTION_TYPES.refund,
            message: answer.message,
            nonRetryable: true,
            details: [{ code: 'refund-refused', gatewayCode: answer.code } satisfies RejectionDetail],
          });
        }
        return { subscription: snapshot(), refund: answer };
      }),
    {
      validator: ({ paymentId, amount, requestKey }) => {
        if (refundOfRequest(s, requestKey) === null) rejectIf(refundRejection(s, paymentId, amount));
      },
    },
  );

  setHandler(
    revokeUpdate,
    ({ refund: mode, reason }) =>
      exclusively('revoke', async () => {
        rejectIf(revokeRejection(s, mode));
        const now = Date.now();
        const amount = revokeRefundAmount(s, mode, now);
        const paymentId = s.lastPayment?.paymentId;
        const decided = amount > 0 && paymentId ? decideRefund(s, { paymentId, amount, reason: reason ?? `revoked (${mode} refund)`, kind: 'revoke' }, now) : null;
        const refundId = decided && !('code' in decided) ? decided.effect.refund.refundId : null;
        // Access is gone either way; a refund that fails is on record in the revocation for an operator.
        s = applyRevoke(decided && !('code' in decided) ? decided.next : s, mode, now);
        if (refundId) await runRefund(refundId);
        return snapshot();
      }),
    { validator: ({ refund: mode }) => rejectIf(revokeRejection(s, mode)) },
  );

  /** When to write the projection again after it failed (null: it is current). */
  let projectionRetryAtMs: number | null = null;

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
    const events = outbox;
    try {
      const summary = `project ${s.status} v${s.version}${events.length > 0 ? ` + ${events.map((e) => e.type).join(', ')}` : ''}`;
      if (localProjection) await projectSubscription.executeWithOptions({ summary }, [snapshot(), events]);
      else await projectSubscriptionActivity.executeWithOptions({ summary }, [snapshot(), events]);
      projectionRetryAtMs = null;
      // Turns that ran while it was written added theirs after these: they go with the next projection.
      outbox = outbox.slice(events.length);
    } catch (error) {
      // The projection is a read model: a failure there must never fail the subscription itself.
      // The workflow's own state stays right; the projection is written again a little later, and
      // an ended subscription stays open until it has been.
      if (!(error instanceof ActivityFailure)) throw error;
      log.error('projection failed after its retries; publishing again later', { version: s.version, reason: error.cause?.message ?? error.message });
      projectionRetryAtMs = Date.now() + PROJECTION_RETRY_MS;
    }
  }

  /** A charge effect (money-movement.ts) with the earlier attempts to look up before charging. */
  type ChargeOrder = Omit<ChargeEffect, 'kind'> & { unsettled: SubscriptionState['unsettledOrders'] };

  async function charge(order: ChargeOrder, summary: string, activity = chargeSubscription): Promise<ChargeOutcome> {
    const outcome = await chargeOutcomeOf(order, summary, activity);
    seenCharges = [...seenCharges, outcome];
    return outcome;
  }

  async function chargeOutcomeOf(order: ChargeOrder, summary: string, activity: typeof chargeSubscription): Promise<ChargeOutcome> {
    try {
      return await activity.executeWithOptions({ summary }, [
        {
          subscriptionId: s.subscriptionId,
          customerKey: s.customerKey,
          paymentMethodId: s.paymentMethodId,
          orderId: order.orderId,
          orderName: order.orderName,
          amount: order.amount,
          currency: s.plan.currency,
          cycle: order.cycle,
          attempt: order.attempt,
          dueAtMs: order.dueAtMs,
          attemptedAtMs: Date.now(),
          unsettledOrders: order.unsettled,
        },
      ]);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      return { outcome: 'unknown', order: { orderId: order.orderId, attempt: order.attempt }, message: error.cause?.message ?? error.message };
    }
  }

  async function attemptCharge(activity = chargeSubscription): Promise<void> {
    const effect = chargeFor(s);
    const outcome = await charge({ ...effect, unsettled: s.unsettledOrders }, chargeSummary(effect, s), activity);
    s = applyChargeOutcome(s, outcome, Date.now());
  }

  /** Looks up a purchase the gateway never confirmed; voids it if it went through. */
  async function settle(orderId: string): Promise<void> {
    const order = s.unsettledPurchases.find((p) => p.orderId === orderId);
    if (!order) return;
    try {
      const settlement = await settlePurchase.executeWithOptions({ summary: settleSummary(order, s.plan.currency) }, [
        {
          subscriptionId: s.subscriptionId,
          customerKey: s.customerKey,
          orderId,
          currency: s.plan.currency,
          cycle: order.cycle,
          attempt: order.attempt,
          dueAtMs: order.attemptedAtMs,
          attemptedAtMs: order.attemptedAtMs,
          what: order.what,
        },
      ]);
      s = withPurchaseSettled(s, orderId, settlement);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      s = withPurchaseCheckFailed(s, orderId, Date.now());
    }
  }

  /** Asks the gateway again about a charge attempt it never confirmed (money-movement.ts). */
  async function lookUp(orderId: string): Promise<void> {
    const order = s.unsettledOrders.find((o) => o.orderId === orderId);
    if (!order) return;
    try {
      const lookup = await lookUpCharge.executeWithOptions({ summary: `look up unconfirmed charge ${orderId}` }, [
        {
          subscriptionId: s.subscriptionId,
          customerKey: s.customerKey,
          orderId,
          currency: s.plan.currency,
          cycle: s.cycle,
          attempt: order.attempt,
          dueAtMs: s.currentPeriod.startMs,
          attemptedAtMs: order.attemptedAtMs ?? Date.now(),
        },
      ]);
      s = withChargeLookup(s, orderId, lookup, Date.now());
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      s = withOrderCheckFailed(s, orderId, Date.now());
    }
  }

  async function run(event: SubscriptionEvent): Promise<void> {
    switch (event.kind) {
      case 'charge':
        // Someone waits for this one (create, a new card, an operator's retry): a short budget, then
        // "unconfirmed" and lookups within minutes rather than minutes of silence.
        return attemptCharge(chargePurchase);
      case 'renew':
        s = beginRenewal(s);
        cyclesThisRun++;
        return attemptCharge();
      case 'retry':
        s = markRetried(s, event.atMs);
        return attemptCharge();
      case 'resume':
        s = beginResume(s, event.atMs);
        cyclesThisRun++;
        return attemptCharge();
      // Phase changes are stamped with their scheduled instant, not the (slightly later) timer firing.
      case 'pause':
        s = startPause(s);
        return;
      case 'trialNotice':
        s = noteTrialEnding(s);
        return;
      case 'enterHold':
        s = enterHold(s, event.atMs);
        return;
      case 'expire':
        s = expire(s, event.atMs);
        return;
      case 'reconcile':
        return settle(event.orderId);
      case 'lookupCharge':
        return lookUp(event.orderId);
      case 'resendRefund':
        await runRefund(event.refundId);
        return;
    }
  }

  /**
   * Before a run closes: in-flight updates (a refund, say) answer, and their result is published.
   * False when the run must not close yet: a handler waits for a charge the loop has to run, or a
   * projection just ran (the loop takes a task boundary again first).
   */
  async function drain(): Promise<boolean> {
    for (;;) {
      await condition(() => (allHandlersFinished() && !turn.isLocked()) || waitingForCharge > 0);
      if (waitingForCharge > 0) return false;
      if (s.version === publishedVersion) return true;
      await publish();
      // Messages sent while that projection ran arrive only at the next task: not closing in this one.
      if (localProjection) return false;
    }
  }

  for (;;) {
    // Awaited only when needed: every promise a workflow creates costs a stack trace in the SDK's
    // promise hook, the largest share of a renewal's worker CPU (docs/benchmarks.md).
    if (!localProjection || turn.isLocked()) await condition(() => !turn.isLocked());
    if (!localProjection || s.version !== publishedVersion) await publish();
    // Operations may take their turn while the projection runs: publish their result before deciding.
    if (turn.isLocked() || s.version !== publishedVersion) continue;
    // An ended subscription stays open until every unconfirmed charge and refund is settled: no money is left behind.
    if (isTerminal(s.status) && !hasUnsettledMoney(s) && projectionRetryAtMs === null) break;
    if ((cyclesThisRun >= CYCLES_PER_RUN || workflowInfo().continueAsNewSuggested) && waitingForCharge === 0) {
      // Messages sent while the last projection (a local activity) ran reach the run only at the
      // next workflow task: take one task boundary before deciding to close the run.
      if (localProjection) await sleep(1);
      if (await drain()) return continueAsNew<typeof subscriptionWorkflow>({ create: input.create, state: s, ...(outbox.length > 0 ? { outbox } : {}) });
      continue;
    }
    const seen = messages;
    const event = nextEvent(s);
    const republishAtMs = projectionRetryAtMs;
    if (republishAtMs !== null && (event === null || republishAtMs < event.atMs)) {
      const waitMs = republishAtMs - Date.now();
      if (waitMs > 0 && (await condition(() => messages !== seen, waitMs, { summary: 'write the projection again' }))) continue;
      publishedVersion = 0; // due: the next turn of the loop publishes
      continue;
    }
    if (event === null) {
      await condition(() => messages !== seen);
      continue;
    }
    const waitMs = event.atMs - Date.now();
    if (waitMs > 0 && (await condition(() => messages !== seen, waitMs, { summary: waitSummary(event, s) }))) {
      continue; // a message changed the plan: recompute the next event
    }
    // An operation that took the turn in this same instant changed the plan: re-plan after it.
    await turn.runExclusive(async () => {
      if (messages !== seen) return;
      const before = s;
      try {
        await run(event);
      } finally {
        recordTurn({ kind: 'timer', event }, before);
      }
    });
  }
  // Ended: handlers waiting for a charge answer at once (the subscription is terminal).
  while (!(await drain())) await condition(() => waitingForCharge === 0);
  return snapshot();
}

