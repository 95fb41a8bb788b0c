/**
 * The lifecycle rules of docs/lifecycle.md §2–3 as pure functions: the seed's worked examples to the cent,
 * the mode rules, defer, pause and prepaid limits.
 */
import { localToInstantMs } from '../../src/domain/calendar';
import { applyDefer, deferRejection } from '../../src/domain/defer';
import { applyPause, beginResume, pauseRejection, startPause } from '../../src/domain/pause';
import { planChangeOutcome, planChangeRejection, type ReplacementMode } from '../../src/domain/plan-change';
import { changedTerms, DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import { topUpOutcome, topUpRejection } from '../../src/domain/prepaid';
import { revokeRefundAmount } from '../../src/domain/revoke';
import {
  applyChargeOutcome,
  beginRenewal,
  newSubscription,
  nextEvent,
  noteTrialEnding,
  type SubscriptionState,
} from '../../src/domain/subscription';
import { localDateTime } from '../support/local-time';

const dunning = DEFAULT_DUNNING_POLICY;
const usd = (id: string, product: string, price: number, unit: 'month' | 'year'): Plan => ({
  id, product, name: id, price, currency: 'USD', interval: { unit, count: 1 }, autoRenew: true, dunning,
});
const tier1 = usd('tier1', 'tier1', 200, 'month');
const tier2 = usd('tier2', 'tier2', 3_600, 'year');
const tier3 = usd('tier3', 'tier3', 7_200, 'year');
const tier1Yearly = usd('tier1-yearly', 'tier1', 2_000, 'year');
const prepaid = { ...usd('tier1-prepaid', 'tier1', 250, 'month'), autoRenew: false };
const NY = 'America/New_York';
const at = (local: string, tz = NY) => localToInstantMs(local.slice(0, 10), local.slice(11) || '00:00', tz);
const local = (ms: number | null, tz = NY) => (ms === null ? null : localDateTime(ms, tz));

function paidNow(s: SubscriptionState, nowMs: number): SubscriptionState {
  const amount = s.introPeriodsLeft > 0 && s.plan.intro ? s.plan.intro.price : s.plan.price;
  return applyChargeOutcome(s, { outcome: 'paid', payment: { paymentId: `o${s.cycle}`, orderId: `o${s.cycle}`, amount, approvedAtMs: nowMs, cycle: s.cycle } }, nowMs);
}

/** Samwise: Tier 1 $2.00/month since March 1; the April 1 renewal paid; now April 15. */
function samwise(): SubscriptionState {
  const start = at('2027-03-01T00:00');
  let s = paidNow(newSubscription({ subscriptionId: 'sam', customerKey: 'sam', plan: tier1, paymentMethodId: 'pm', timeZone: NY, withTrial: false }, start), start);
  s = beginRenewal(s);
  return paidNow(s, at('2027-04-01T00:00'));
}
const april15 = at('2027-04-15T10:00');

describe('docs/lifecycle.md §3.1 Samwise, Tier 1 → Tier 2 on April 15', () => {
  const change = (mode: ReplacementMode) => planChangeOutcome(samwise(), tier2, mode, april15);

  test('WITH_TIME_PRORATION: nothing now; $1.00 buys 10 days; $36.00 on April 26, then every April 26', () => {
    const { quote, next } = change('WITH_TIME_PRORATION');
    expect(quote).toMatchObject({ chargeNow: 0, credit: 100, creditTime: { periods: 0, days: 10 } });
    expect(local(quote.nextBillingAtMs)).toBe('2027-04-26 00:00');
    expect(quote.nextChargeAmount).toBe(3_600);
    const renewed = beginRenewal(next);
    expect(local(renewed.currentPeriod.startMs)).toBe('2027-04-26 00:00');
    expect(local(renewed.currentPeriod.endMs)).toBe('2028-04-26 00:00');
  });

  test('CHARGE_PRORATED_PRICE: $0.50 now ($1.50 − $1.00); $36.00 on May 1, then yearly on May 1', () => {
    const { quote, next } = change('CHARGE_PRORATED_PRICE');
    expect(quote).toMatchObject({ chargeNow: 50, credit: 100, newCostOfRemainder: 150 });
    expect(local(quote.nextBillingAtMs)).toBe('2027-05-01 00:00');
    const renewed = beginRenewal(next);
    expect(renewed.plan.id).toBe('tier2');
    expect(local(renewed.currentPeriod.endMs)).toBe('2028-05-01 00:00');
  });

  test('WITHOUT_PRORATION: nothing now; $36.00 on May 1, then yearly', () => {
    const { quote, next } = change('WITHOUT_PRORATION');
    expect(quote).toMatchObject({ chargeNow: 0, nextChargeAmount: 3_600 });
    expect(next.plan.id).toBe('tier2');
    expect(local(quote.nextBillingAtMs)).toBe('2027-05-01 00:00');
    expect(local(beginRenewal(next).currentPeriod.endMs)).toBe('2028-05-01 00:00');
  });

  test('DEFERRED: Tier 1 until April 30; $36.00 on May 1 when Tier 2 starts', () => {
    const { quote, next } = change('DEFERRED');
    expect(quote).toMatchObject({ chargeNow: 0, action: 'schedule', nextChargeAmount: 3_600 });
    expect(next.plan.id).toBe('tier1');
    expect(local(quote.newPlanStartsAtMs)).toBe('2027-05-01 00:00');
    const renewed = beginRenewal(next);
    expect(renewed.plan.id).toBe('tier2');
    expect(local(renewed.currentPeriod.startMs)).toBe('2027-05-01 00:00');
    expect(local(renewed.currentPeriod.endMs)).toBe('2028-05-01 00:00');
  });

  test('CHARGE_FULL_PRICE: $36.00 now; $1.00 adds 10 days; next charge April 25 next year', () => {
    const { quote, next } = change('CHARGE_FULL_PRICE');
    expect(quote).toMatchObject({ chargeNow: 3_600, credit: 100, creditTime: { periods: 0, days: 10 } });
    expect(local(quote.nextBillingAtMs)).toBe('2028-04-25 10:00');
    expect(local(beginRenewal(next).currentPeriod.endMs)).toBe('2029-04-25 10:00');
  });

  test('the default for an upgrade is CHARGE_PRORATED_PRICE, for a downgrade DEFERRED', () => {
    expect(planChangeOutcome(samwise(), tier2, undefined, april15).quote).toMatchObject({ mode: 'CHARGE_PRORATED_PRICE', modeDefaulted: true });
    const onTier3 = planChangeOutcome(samwise(), tier3, 'WITHOUT_PRORATION', april15).next;
    expect(planChangeOutcome(onTier3, tier2, undefined, april15).quote.mode).toBe('DEFERRED');
  });

  test('a second upgrade in the same period credits from the current (Tier 2) price', () => {
    const first = planChangeOutcome(samwise(), tier2, 'CHARGE_PRORATED_PRICE', april15).next;
    const april20 = at('2027-04-20T10:00');
    const second = planChangeOutcome(first, tier3, 'CHARGE_PRORATED_PRICE', april20).quote;
    // 10 days left (Apr 21–30) of a period the plan change bent: valued at Tier 2's daily rate, $36 × 10/366.
    expect(second.credit).toBe(98);
    expect(second.credit).not.toBe(Math.round((200 * 10) / 30)); // not from Tier 1's price
    expect(second.newCostOfRemainder).toBe(197); // $72 × 10/366
    expect(second.chargeNow).toBe(99);
  });
});

describe('mode rules (seed 002)', () => {
  test('CHARGE_PRORATED_PRICE on a downgrade is rejected with the allowed modes', () => {
    const onTier3 = planChangeOutcome(samwise(), tier3, 'WITHOUT_PRORATION', april15).next;
    const r = planChangeRejection(onTier3, tier2, 'CHARGE_PRORATED_PRICE');
    expect(r).toMatchObject({ kind: 'rule' });
    expect(r?.reason).toMatch(/costs more per unit of time.*use DEFERRED/);
  });
  test('switching to a prepaid plan allows only CHARGE_FULL_PRICE', () => {
    for (const mode of ['WITH_TIME_PRORATION', 'CHARGE_PRORATED_PRICE', 'WITHOUT_PRORATION', 'DEFERRED'] as const) {
      expect(planChangeRejection(samwise(), prepaid, mode)?.reason).toMatch(/prepaid plan; use CHARGE_FULL_PRICE/);
    }
    expect(planChangeRejection(samwise(), prepaid, 'CHARGE_FULL_PRICE')).toBeNull();
    expect(planChangeOutcome(samwise(), prepaid, undefined, april15).quote.mode).toBe('CHARGE_FULL_PRICE');
  });
  test('between base plans of one product only CHARGE_FULL_PRICE or WITHOUT_PRORATION', () => {
    expect(planChangeRejection(samwise(), tier1Yearly, 'DEFERRED')?.reason).toMatch(/same product.*CHARGE_FULL_PRICE or WITHOUT_PRORATION/);
    expect(planChangeRejection(samwise(), tier1Yearly, 'CHARGE_PRORATED_PRICE')).not.toBeNull();
    expect(planChangeOutcome(samwise(), tier1Yearly, undefined, april15).quote.mode).toBe('WITHOUT_PRORATION');
  });
  test('another currency, the same plan, a canceled subscription are rejected', () => {
    const krw: Plan = { ...tier2, id: 'krw', currency: 'KRW', price: 36_000 };
    expect(planChangeRejection(samwise(), krw)?.reason).toMatch(/billed in KRW/);
    expect(planChangeRejection(samwise(), tier1)?.reason).toMatch(/already on plan tier1/);
  });
  test('during a trial the default keeps the trial; prorating modes are rejected', () => {
    const trialPlan: Plan = { ...tier1, trialDays: 14 };
    const s = newSubscription({ subscriptionId: 't', customerKey: 't', plan: trialPlan, paymentMethodId: 'pm', timeZone: NY, withTrial: true }, at('2027-04-01T09:00'));
    const { quote, next } = planChangeOutcome(s, tier2, undefined, at('2027-04-05T09:00'));
    expect(quote).toMatchObject({ mode: 'WITHOUT_PRORATION', chargeNow: 0 });
    expect(next.status).toBe('TRIALING');
    expect(local(nextEvent(noteTrialEnding(next))!.atMs)).toBe('2027-04-15 09:00');
    expect(planChangeRejection(s, tier2, 'CHARGE_PRORATED_PRICE')?.reason).toMatch(/during a trial/);
  });
  test('a DEFERRED change is replaced by a new one and withdrawn by changing back', () => {
    const deferred = planChangeOutcome(samwise(), tier2, 'DEFERRED', april15).next;
    const replaced = planChangeOutcome(deferred, tier3, 'DEFERRED', april15).next;
    expect(replaced.pendingChange?.plan.id).toBe('tier3');
    const withdrawn = planChangeOutcome(replaced, tier1, undefined, april15);
    expect(withdrawn.quote.action).toBe('withdraw');
    expect(withdrawn.next.pendingChange).toBeNull();
    expect(beginRenewal(withdrawn.next).plan.id).toBe('tier1');
  });
});

describe('defer (docs/lifecycle.md §4.1 Darcy)', () => {
  const gbp: Plan = { id: 'darcy', product: 'darcy', name: 'Darcy', price: 125, currency: 'GBP', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning };
  const LONDON = 'Europe/London';
  const darcy = () => paidNow(newSubscription({ subscriptionId: 'd', customerKey: 'd', plan: gbp, paymentMethodId: 'pm', timeZone: LONDON, withTrial: false }, at('2027-03-01T00:00', LONDON)), at('2027-03-01T00:00', LONDON));

  test('the April 1 charge deferred to May 15 bills £1.25 on May 15, then June 15', () => {
    const s = applyDefer(darcy(), '2027-05-15');
    expect(local(nextEvent(s)!.atMs, LONDON)).toBe('2027-05-15 00:00');
    const renewed = beginRenewal(s);
    expect(renewed.plan.price).toBe(125);
    expect(local(renewed.currentPeriod.endMs, LONDON)).toBe('2027-06-15 00:00');
  });
  test('limits: at least 1 day, at most 1 year per call, repeatable, not in grace', () => {
    expect(deferRejection(darcy(), '2027-04-01')?.reason).toMatch(/at least 1 day.*earliest 2027-04-02/);
    expect(deferRejection(darcy(), '2028-04-02')?.reason).toMatch(/at most 1 year.*latest 2028-04-01/);
    expect(deferRejection(darcy(), '2027-02-30')?.reason).toMatch(/local date/);
    const once = applyDefer(darcy(), '2028-04-01');
    expect(deferRejection(once, '2029-04-01')).toBeNull();
    const grace = applyChargeOutcome(beginRenewal(darcy()), { outcome: 'declined', decline: { kind: 'soft', code: 'REJECT_CARD_PAYMENT', message: '' } }, at('2027-04-01T00:00', LONDON));
    expect(grace.status).toBe('IN_GRACE_PERIOD');
    expect(deferRejection(grace, '2027-05-01')?.kind).toBe('state');
  });
});

describe('pause, prepaid, revoke', () => {
  test('pause starts at the period end, 7 days to 3 months, and resume re-anchors', () => {
    const s = samwise();
    expect(pauseRejection(s, '2027-05-07')?.reason).toMatch(/from 2027-05-08 to 2027-08-01/);
    expect(pauseRejection(s, '2027-08-02')).not.toBeNull();
    const paused = startPause(applyPause(s, '2027-06-10'));
    expect(paused.status).toBe('PAUSED');
    expect(local(nextEvent(paused)!.atMs)).toBe('2027-06-10 00:00');
    const resumed = paidNow(beginResume(paused, at('2027-06-10T00:00')), at('2027-06-10T00:00'));
    expect(resumed.status).toBe('ACTIVE');
    expect(local(resumed.currentPeriod.endMs)).toBe('2027-07-10 00:00');
  });
  test('a prepaid plan expires at its end; a top-up extends it by one period', () => {
    const start = at('2027-01-31T08:00');
    const s = paidNow(newSubscription({ subscriptionId: 'p', customerKey: 'p', plan: prepaid, paymentMethodId: 'pm', timeZone: NY, withTrial: false }, start), start);
    expect(nextEvent(s)).toMatchObject({ kind: 'expire', cause: 'prepaidEnded' });
    const { chargeNow, next } = topUpOutcome(s);
    expect(chargeNow).toBe(250);
    expect(local(next.currentPeriod.endMs)).toBe('2027-03-31 08:00');
    expect(topUpRejection(samwise())?.kind).toBe('rule');
  });
  test('revoke refunds nothing, the unused part, or the whole latest payment', () => {
    const s = samwise();
    expect(revokeRefundAmount(s, 'none', april15)).toBe(0);
    expect(revokeRefundAmount(s, 'prorated', april15)).toBe(100);
    expect(revokeRefundAmount(s, 'full', april15)).toBe(200);
  });
});

test('a plan in use: which terms an edit would change (key order does not count)', () => {
  const plan: Plan = { ...tier1, trialDays: 7 };
  expect(changedTerms(plan, { ...plan, name: 'renamed', trialDays: 14, dunning: { ...plan.dunning, accountHoldDays: 10 } })).toEqual([]);
  expect(changedTerms(plan, { ...plan, interval: { count: 1, unit: 'month' } })).toEqual([]);
  expect(changedTerms(plan, { ...plan, price: 300, interval: { unit: 'month', count: 2 }, intro: { price: 100, periods: 1 } })).toEqual(['price', 'interval', 'intro']);
});
