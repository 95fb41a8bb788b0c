/**
 * Lifecycle events (docs/events.md): what one turn of a subscription did, told as events. A turn is
 * one state change the workflow runs under its lock — a timer firing or a message — and the events
 * are read off the state before and after it (money from the ledger of paid orders, status moves
 * from the status) plus what only the turn knows (its cause, the charge outcomes it saw). Pure:
 * the workflow stamps ids, and the same function would tell any replay the same story.
 */
import type { ChargeOutcome, SubscriptionEvent } from './subscription';
import { snapshotOf, type SubscriptionSnapshot } from './subscription-snapshot';
import type { Decline, PaymentSummary, SubscriptionState } from './subscription-state';
import type { SubscriptionStatus } from './subscription-status';

export const LIFECYCLE_EVENT_TYPES = [
  'subscription.created',
  'subscription.activated',
  'subscription.trial_will_end',
  'subscription.renewed',
  'subscription.payment_failed',
  'subscription.in_grace_period',
  'subscription.on_hold',
  'subscription.recovered',
  'subscription.canceled',
  'subscription.restored',
  'subscription.plan_changed',
  'subscription.plan_change_scheduled',
  'subscription.deferred',
  'subscription.pause_scheduled',
  'subscription.paused',
  'subscription.resumed',
  'subscription.payment_method_updated',
  'subscription.expired',
  'subscription.revoked',
  'payment.succeeded',
  'payment.refunded',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** How long before a trial ends its `subscription.trial_will_end` is sent (in local days). */
export const TRIAL_NOTICE_DAYS = 3;

/** What an event says beyond the snapshot; which fields appear depends on the type (docs/events.md). */
export interface EventDetail {
  /** payment.succeeded */
  payment?: { paymentId: string; orderId: string | null; amount: number; currency: string; approvedAt: string | null; cycle: number | null };
  /** payment.refunded: this refund's amount and the payment's refunded total after it. */
  refund?: { paymentId: string; amount: number; refundedTotal: number; currency: string };
  /** subscription.payment_failed. `outcomeUnknown`: the gateway never answered; the charge is looked up later. */
  decline?: { kind: Decline['kind']; code: string; message: string; outcomeUnknown: boolean };
  /** subscription.plan_changed */
  previousPlanId?: string;
  /** subscription.deferred */
  previousNextBillingAt?: string | null;
  /** subscription.expired: why it ended, when the turn knows. */
  reason?: 'canceled' | 'trialCanceled' | 'dunningExhausted' | 'incomplete' | 'prepaidEnded';
  /** subscription.payment_method_updated */
  previousPaymentMethodId?: string;
}

export interface LifecycleEvent {
  /** Unique across all subscriptions: a receiver drops a delivery whose id it has seen. */
  id: string;
  type: LifecycleEventType;
  /** When the turn that caused it ran (workflow time). */
  timestamp: string;
  subscriptionId: string;
  /** 1, 2, 3 … per subscription, without gaps: a receiver orders by it and sees what it missed. */
  sequence: number;
  data: EventDetail & { subscription: SubscriptionSnapshot };
}

/** A message that may change the state; the workflow names the turn it runs for it. */
export type MessageName =
  | 'cancel'
  | 'restore'
  | 'updatePaymentMethod'
  | 'retryCharge'
  | 'changePlan'
  | 'defer'
  | 'pause'
  | 'resume'
  | 'topUp'
  | 'refund'
  | 'revoke';

export type TurnCause = { kind: 'timer'; event: SubscriptionEvent } | { kind: 'message'; name: MessageName };

export interface EventDraft {
  type: LifecycleEventType;
  detail: EventDetail;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The events a subscription's first turn (its creation) tells. */
export function creationEvents(s: SubscriptionState): EventDraft[] {
  const created: EventDraft = { type: 'subscription.created', detail: {} };
  // A trial grants access from the start; without one, activation waits for the first charge.
  return s.status === 'TRIALING' ? [created, { type: 'subscription.activated', detail: {} }] : [created];
}

/** The events of one turn, in the order a receiver should apply them; `charges`: the charge outcomes the turn saw. */
export function eventsOfTurn(cause: TurnCause, before: SubscriptionState, after: SubscriptionState, charges: readonly ChargeOutcome[]): EventDraft[] {
  const out: EventDraft[] = [];
  const add = (type: LifecycleEventType, detail: EventDetail = {}) => {
    if (!out.some((e) => e.type === type)) out.push({ type, detail });
  };
  const message = cause.kind === 'message' ? cause.name : null;
  const timer = cause.kind === 'timer' ? cause.event : null;
  const currency = after.plan.currency;

  for (const charge of charges) {
    if (charge.outcome === 'declined') out.push({ type: 'subscription.payment_failed', detail: { decline: { ...charge.decline, outcomeUnknown: false } } });
    if (charge.outcome === 'unknown') {
      out.push({ type: 'subscription.payment_failed', detail: { decline: { kind: 'soft', code: 'GATEWAY_UNAVAILABLE', message: charge.message, outcomeUnknown: true } } });
    }
  }

  const refunds: EventDraft[] = [];
  for (const order of after.paidOrders) {
    const earlier = before.paidOrders.find((p) => p.paymentId === order.paymentId);
    if (!earlier) out.push({ type: 'payment.succeeded', detail: { payment: paymentDetail(order, after.lastPayment, currency) } });
    const refunded = order.refunded - (earlier?.refunded ?? 0);
    if (refunded > 0) refunds.push({ type: 'payment.refunded', detail: { refund: { paymentId: order.paymentId, amount: refunded, refundedTotal: order.refunded, currency } } });
  }

  if (message === 'cancel') add('subscription.canceled');
  if (message === 'restore') add('subscription.restored');
  if (message === 'defer') add('subscription.deferred', { previousNextBillingAt: snapshotOf(before).nextBillingAt });
  if (after.paymentMethodId !== before.paymentMethodId) add('subscription.payment_method_updated', { previousPaymentMethodId: before.paymentMethodId });
  if (after.pendingChange && after.pendingChange.plan.id !== before.pendingChange?.plan.id) add('subscription.plan_change_scheduled');
  if (after.pause && !before.pause && after.status !== 'PAUSED') add('subscription.pause_scheduled');
  if (timer?.kind === 'trialNotice') add('subscription.trial_will_end');
  if (after.plan.id !== before.plan.id) add('subscription.plan_changed', { previousPlanId: before.plan.id });

  const paidMore = after.counters.paidCycles > before.counters.paidCycles;
  if (before.status !== after.status) {
    for (const type of statusEvents(before.status, after.status)) add(type, type === 'subscription.expired' ? expiryDetail(cause, before) : {});
  }
  // A renewal adds a paid period without a status move (ACTIVE stays ACTIVE; a canceled one whose in-flight renewal went through stays CANCELED).
  if (paidMore && (timer?.kind === 'renew' || message === 'topUp') && !out.some((e) => e.type === 'subscription.recovered')) add('subscription.renewed');
  // A withdrawn scheduled pause is a resume too: the subscription goes on as before it.
  if (message === 'resume' && before.pause && !after.pause) add('subscription.resumed');

  return [...out, ...refunds];
}

function statusEvents(from: SubscriptionStatus, to: SubscriptionStatus): LifecycleEventType[] {
  switch (to) {
    case 'ACTIVE':
      if (from === 'INCOMPLETE') return ['subscription.activated'];
      if (from === 'IN_GRACE_PERIOD' || from === 'ON_HOLD') return ['subscription.recovered'];
      if (from === 'TRIALING') return ['subscription.renewed'];
      if (from === 'PAUSED') return ['subscription.resumed'];
      if (from === 'CANCELED') return ['subscription.restored'];
      return [];
    case 'TRIALING':
      return from === 'CANCELED' ? ['subscription.restored'] : [];
    case 'IN_GRACE_PERIOD':
      return from === 'PAUSED' ? ['subscription.resumed', 'subscription.in_grace_period'] : ['subscription.in_grace_period'];
    case 'ON_HOLD':
      return from === 'PAUSED' ? ['subscription.resumed', 'subscription.on_hold'] : ['subscription.on_hold'];
    case 'PAUSED':
      return ['subscription.paused'];
    case 'CANCELED':
      return ['subscription.canceled'];
    case 'EXPIRED':
    case 'INCOMPLETE_EXPIRED':
      return ['subscription.expired'];
    case 'REVOKED':
      return ['subscription.revoked'];
    case 'INCOMPLETE':
      return [];
  }
}

function expiryDetail(cause: TurnCause, before: SubscriptionState): EventDetail {
  if (cause.kind === 'timer' && cause.event.kind === 'expire') return { reason: cause.event.cause };
  if (cause.kind === 'message' && cause.name === 'cancel') return { reason: 'canceled' };
  if (before.status === 'INCOMPLETE') return { reason: 'incomplete' };
  if (before.dunning) return { reason: 'dunningExhausted' };
  if (before.status === 'CANCELED') return { reason: 'canceled' };
  return {};
}

function paymentDetail(order: { paymentId: string; amount: number }, last: PaymentSummary | null, currency: string): NonNullable<EventDetail['payment']> {
  // The paid-order ledger keeps id and amount; the rest is known when it is the latest payment.
  const known = last?.paymentId === order.paymentId ? last : null;
  return {
    paymentId: order.paymentId,
    orderId: known?.orderId ?? null,
    amount: order.amount,
    currency,
    approvedAt: known && known.approvedAtMs > 0 ? iso(known.approvedAtMs) : null,
    cycle: known?.cycle ?? null,
  };
}

/**
 * Numbers a turn's drafts after the subscription's last event and stamps them with the state after
 * the turn. Returns the state with its sequence moved on (not a new version: the events describe a
 * change that already bumped it).
 */
export function stampEvents(
  s: SubscriptionState,
  drafts: readonly EventDraft[],
  nowMs: number,
  newId: () => string,
): { state: SubscriptionState; events: LifecycleEvent[] } {
  if (drafts.length === 0) return { state: s, events: [] };
  const subscription = snapshotOf(s);
  const events = drafts.map((d, i): LifecycleEvent => ({
    id: `evt_${newId()}`,
    type: d.type,
    timestamp: iso(nowMs),
    subscriptionId: s.subscriptionId,
    sequence: s.eventSeq + i + 1,
    data: { ...d.detail, subscription },
  }));
  return { state: { ...s, eventSeq: s.eventSeq + drafts.length }, events };
}
