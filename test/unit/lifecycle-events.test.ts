/**
 * Which lifecycle events a turn tells (src/domain/lifecycle-events.ts), from the state before and
 * after it, for the operations the real-stack test (workflows/lifecycle-events.test.ts) does not walk.
 */
import { localToInstantMs } from '../../src/domain/calendar';
import { creationEvents, eventsOfTurn, stampEvents, type MessageName, type TurnCause } from '../../src/domain/lifecycle-events';
import { decideRefund, withRefundOutcome } from '../../src/domain/money-movement';
import { applyPause, applyResume, beginResume, startPause } from '../../src/domain/pause';
import { planChangeOutcome, withPurchasePaid } from '../../src/domain/plan-change';
import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import { applyRevoke } from '../../src/domain/revoke';
import {
  applyCancel,
  applyChargeOutcome,
  applyPaymentMethodUpdate,
  applyRestore,
  beginRenewal,
  newSubscription,
  nextEvent,
  noteTrialEnding,
  type ChargeOutcome,
  type SubscriptionState,
} from '../../src/domain/subscription';

const plan = (id: string, price: number, extra: Partial<Plan> = {}): Plan => ({
  id, product: id, name: id, price, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY, ...extra,
});
const basic = plan('basic', 10_000);
const pro = plan('pro', 30_000);
const SEOUL = 'Asia/Seoul';
const start = localToInstantMs('2027-03-10', '09:00', SEOUL);
const DAY = 86_400_000;

const message = (name: MessageName): TurnCause => ({ kind: 'message', name });
const types = (cause: TurnCause, before: SubscriptionState, after: SubscriptionState, charges: ChargeOutcome[] = []) =>
  eventsOfTurn(cause, before, after, charges).map((e) => e.type);

const paid = (s: SubscriptionState, id: string, nowMs: number, amount = s.plan.price): ChargeOutcome => ({
  outcome: 'paid',
  payment: { paymentId: id, orderId: id, amount, approvedAtMs: nowMs, cycle: s.cycle },
});

/** Created and its first period paid. */
function active(p: Plan = basic): SubscriptionState {
  const s = newSubscription({ subscriptionId: 's1', customerKey: 'c1', plan: p, paymentMethodId: 'pm1', timeZone: SEOUL, withTrial: false }, start);
  return applyChargeOutcome(s, paid(s, 'o1', start), start);
}

test('creation: created, and activated at once only with a trial', () => {
  const plain = newSubscription({ subscriptionId: 's', customerKey: 'c', plan: basic, paymentMethodId: 'pm', timeZone: SEOUL, withTrial: false }, start);
  expect(creationEvents(plain).map((e) => e.type)).toEqual(['subscription.created']);
  const trial = newSubscription({ subscriptionId: 's', customerKey: 'c', plan: { ...basic, trialDays: 14 }, paymentMethodId: 'pm', timeZone: SEOUL, withTrial: true }, start);
  expect(creationEvents(trial).map((e) => e.type)).toEqual(['subscription.created', 'subscription.activated']);
});

test('the first charge: paid activates; declined says why and changes nothing else', () => {
  const s = newSubscription({ subscriptionId: 's', customerKey: 'c', plan: basic, paymentMethodId: 'pm', timeZone: SEOUL, withTrial: false }, start);
  const cause: TurnCause = { kind: 'timer', event: { kind: 'charge', atMs: start, reason: 'first' } };
  const ok = paid(s, 'o1', start);
  expect(types(cause, s, applyChargeOutcome(s, ok, start), [ok])).toEqual(['payment.succeeded', 'subscription.activated']);
  const declined: ChargeOutcome = { outcome: 'declined', decline: { kind: 'soft', code: 'REJECT_CARD_PAYMENT', message: 'no' } };
  const drafts = eventsOfTurn(cause, s, applyChargeOutcome(s, declined, start), [declined]);
  expect(drafts).toEqual([{ type: 'subscription.payment_failed', detail: { decline: { kind: 'soft', code: 'REJECT_CARD_PAYMENT', message: 'no', outcomeUnknown: false } } }]);
  const unknown: ChargeOutcome = { outcome: 'unknown', order: { orderId: 'o1', attempt: 1 }, message: 'timeout' };
  expect(eventsOfTurn(cause, s, applyChargeOutcome(s, unknown, start), [unknown])[0]!.detail.decline).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', outcomeUnknown: true });
});

test('cancel and restore; cancelling an unpaid subscription also ends it', () => {
  const s = active();
  const canceled = applyCancel(s, start + DAY);
  expect(types(message('cancel'), s, canceled)).toEqual(['subscription.canceled']);
  expect(types(message('restore'), canceled, applyRestore(canceled))).toEqual(['subscription.restored']);

  const renewing = beginRenewal(s);
  const declined: ChargeOutcome = { outcome: 'declined', decline: { kind: 'soft', code: 'X', message: 'no' } };
  const inGrace = applyChargeOutcome(renewing, declined, renewing.currentPeriod.startMs);
  expect(inGrace.status).toBe('IN_GRACE_PERIOD');
  const ended = eventsOfTurn(message('cancel'), inGrace, applyCancel(inGrace, inGrace.currentPeriod.startMs + DAY), []);
  expect(ended.map((e) => e.type)).toEqual(['subscription.canceled', 'subscription.expired']);
  expect(ended[1]!.detail.reason).toBe('canceled');
});

test('plan changes: an immediate one charges and changes; a deferred one is scheduled, then changes at the renewal', () => {
  const s = active();
  const now = start + 10 * DAY;
  const { next } = planChangeOutcome(s, pro, 'CHARGE_FULL_PRICE', now);
  const charged = withPurchasePaid(next, { paymentId: 'o2', orderId: 'o2', amount: pro.price, approvedAtMs: now, cycle: next.cycle }, true);
  expect(types(message('changePlan'), s, charged)).toEqual(['payment.succeeded', 'subscription.plan_changed']);

  const deferred = planChangeOutcome(s, pro, 'DEFERRED', now).next;
  expect(types(message('changePlan'), s, deferred)).toEqual(['subscription.plan_change_scheduled']);
  const renewed = beginRenewal(deferred);
  const after = applyChargeOutcome(renewed, paid(renewed, 'o2', renewed.currentPeriod.startMs, pro.price), renewed.currentPeriod.startMs);
  const drafts = eventsOfTurn({ kind: 'timer', event: { kind: 'renew', atMs: s.currentPeriod.endMs } }, deferred, after, []);
  expect(drafts.map((e) => e.type)).toEqual(['payment.succeeded', 'subscription.plan_changed', 'subscription.renewed']);
  expect(drafts[1]!.detail.previousPlanId).toBe('basic');
});

test('pause: scheduled, started, resumed at its end; a scheduled pause withdrawn is a resume', () => {
  const s = active();
  const until = '2027-06-20';
  const scheduled = applyPause(s, until);
  expect(types(message('pause'), s, scheduled)).toEqual(['subscription.pause_scheduled']);
  const paused = startPause(scheduled);
  expect(types({ kind: 'timer', event: { kind: 'pause', atMs: s.currentPeriod.endMs } }, scheduled, paused)).toEqual(['subscription.paused']);
  const resuming = beginResume(paused, paused.pause!.resumeAtMs);
  const resumed = applyChargeOutcome(resuming, paid(resuming, 'o2', paused.pause!.resumeAtMs), paused.pause!.resumeAtMs);
  expect(types({ kind: 'timer', event: { kind: 'resume', atMs: paused.pause!.resumeAtMs } }, paused, resumed)).toEqual(['payment.succeeded', 'subscription.resumed']);
  expect(types(message('resume'), scheduled, applyResume(scheduled, start + DAY))).toEqual(['subscription.resumed']);
});

test('refunds tell how much and the running total; a revoke tells the revocation first', () => {
  const s = active();
  const decided = decideRefund(s, { paymentId: 'o1', amount: 4_000, reason: 'r', kind: 'refund' }, start + DAY);
  if ('code' in decided) throw new Error(decided.reason);
  const refunded = withRefundOutcome(decided.next, decided.effect.refund.refundId, { outcome: 'refunded', amount: 4_000, balanceAmount: 6_000, refundedAtMs: start + DAY }, start + DAY);
  expect(eventsOfTurn(message('refund'), s, refunded, [])).toEqual([
    { type: 'payment.refunded', detail: { refund: { paymentId: 'o1', amount: 4_000, refundedTotal: 4_000, currency: 'KRW' } } },
  ]);
  // A refund whose answer never came changes no money: no event until it is confirmed.
  const pending = withRefundOutcome(decided.next, decided.effect.refund.refundId, { outcome: 'unknown', message: 'timeout' }, start + DAY);
  expect(types(message('refund'), s, pending)).toEqual([]);

  const revoking = decideRefund(refunded, { paymentId: 'o1', amount: 6_000, reason: 'revoked', kind: 'revoke' }, start + 2 * DAY);
  if ('code' in revoking) throw new Error(revoking.reason);
  const revoked = applyRevoke(revoking.next, 'full', start + 2 * DAY);
  const done = withRefundOutcome(revoked, revoking.effect.refund.refundId, { outcome: 'refunded', amount: 6_000, balanceAmount: 0, refundedAtMs: start + 2 * DAY }, start + 2 * DAY);
  const drafts = eventsOfTurn(message('revoke'), refunded, done, []);
  expect(drafts.map((e) => e.type)).toEqual(['subscription.revoked', 'payment.refunded']);
  expect(drafts[1]!.detail.refund).toMatchObject({ amount: 6_000, refundedTotal: 10_000 });
});

test('a new payment method is told, with the one it replaced', () => {
  const s = active();
  const drafts = eventsOfTurn(message('updatePaymentMethod'), s, applyPaymentMethodUpdate(s, 'pm2'), []);
  expect(drafts).toEqual([{ type: 'subscription.payment_method_updated', detail: { previousPaymentMethodId: 'pm1' } }]);
});

test('the trial notice is due three local days before the trial ends, or at once for a shorter trial', () => {
  const trial = (days: number) =>
    newSubscription({ subscriptionId: 's', customerKey: 'c', plan: { ...basic, trialDays: days }, paymentMethodId: 'pm', timeZone: SEOUL, withTrial: true }, start);
  const long = trial(14);
  expect(nextEvent(long)).toEqual({ kind: 'trialNotice', atMs: long.trialEndsAtMs! - 3 * DAY });
  expect(nextEvent(trial(2))).toEqual({ kind: 'trialNotice', atMs: start });
  const noticed = noteTrialEnding(long);
  expect(types({ kind: 'timer', event: { kind: 'trialNotice', atMs: long.trialNoticeAtMs! } }, long, noticed)).toEqual(['subscription.trial_will_end']);
  expect(nextEvent(noticed)).toMatchObject({ kind: 'renew', atMs: long.trialEndsAtMs });
});

test('stamping numbers events after the last one and carries the state after the turn', () => {
  const s = { ...active(), eventSeq: 4 };
  let n = 0;
  const { state, events } = stampEvents(s, [{ type: 'subscription.canceled', detail: {} }, { type: 'subscription.expired', detail: { reason: 'canceled' } }], start, () => `00000000-0000-4000-8000-00000000000${++n}`);
  expect(state.eventSeq).toBe(6);
  expect(state.version).toBe(s.version);
  expect(events.map((e) => [e.id, e.sequence, e.type])).toEqual([
    ['evt_00000000-0000-4000-8000-000000000001', 5, 'subscription.canceled'],
    ['evt_00000000-0000-4000-8000-000000000002', 6, 'subscription.expired'],
  ]);
  expect(events[1]!.data).toMatchObject({ reason: 'canceled', subscription: { subscriptionId: 's1', status: 'ACTIVE' } });
  expect(stampEvents(s, [], start, () => 'x')).toEqual({ state: s, events: [] });
});
