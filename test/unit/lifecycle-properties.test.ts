/** Property-based checks of the billing domain (fast-check): invariants over random calendars and changes. */
import fc from 'fast-check';
import { anchorAt, periodOf, rebaseAnchor, type BillingInterval } from '../../src/domain/calendar';
import { planChangeOutcome, REPLACEMENT_MODES, planChangeRejection } from '../../src/domain/plan-change';
import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import { applyChargeOutcome, beginRenewal, newSubscription, type SubscriptionState } from '../../src/domain/subscription';

const ZONES = ['Asia/Seoul', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe'];
const interval = fc.record({ unit: fc.constantFrom<BillingInterval['unit']>('day', 'week', 'month', 'year'), count: fc.integer({ min: 1, max: 6 }) });
const instant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') });
const plan = (id: string, product: string) =>
  fc.record({ price: fc.integer({ min: 100, max: 5_000_000 }), interval, autoRenew: fc.boolean() }).map(
    (p): Plan => ({ id, product, name: id, currency: 'KRW', dunning: DEFAULT_DUNNING_POLICY, ...p }),
  );

test('periods are contiguous: each ends where the next starts, strictly later', () => {
  fc.assert(
    fc.property(instant, fc.constantFrom(...ZONES), interval, fc.integer({ min: 0, max: 60 }), (t, tz, iv, n) => {
      const a = anchorAt(t, tz);
      const p = periodOf(a, iv, n);
      const q = periodOf(a, iv, n + 1);
      return p.endMs === q.startMs && p.startMs < p.endMs;
    }),
  );
});

test('the anchor day comes back after a clamped month, also through a rebase', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2024, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 29, max: 31 }), fc.integer({ min: 1, max: 30 }), (y, m, d, n) => {
      const monthly: BillingInterval = { unit: 'month', count: 1 };
      const date = `${y}-${String(m).padStart(2, '0')}-01`;
      const anchor = { date: date.slice(0, 8) + String(Math.min(d, new Date(Date.UTC(y, m, 0)).getUTCDate())).padStart(2, '0'), time: '09:00:00', timeZone: 'Asia/Seoul', day: d };
      const rebased = rebaseAnchor(anchor, monthly, n);
      // Within 12 months from any rebase point there is a month long enough to show the intended day again.
      return Array.from({ length: 12 }, (_, k) => periodOf(rebased, monthly, k).startMs)
        .map((ms) => Number(new Date(ms + 9 * 3600_000).toISOString().slice(8, 10)))
        .some((day) => day === d);
    }),
  );
});

function activeOn(p: Plan, t: number): SubscriptionState {
  const s = newSubscription({ subscriptionId: 's', customerKey: 'c', plan: p, paymentMethodId: 'pm', timeZone: 'Asia/Seoul', withTrial: false }, t);
  return applyChargeOutcome(s, { outcome: 'paid', payment: { paymentId: 'o1', orderId: 'o1', amount: p.price, approvedAtMs: t, cycle: 1 } }, t);
}

test('a plan change never credits more than was paid, and the preview is the applied result', () => {
  fc.assert(
    fc.property(plan('a', 'x'), plan('b', 'y'), instant, fc.double({ min: 0, max: 0.999, noNaN: true }), fc.option(fc.constantFrom(...REPLACEMENT_MODES), { nil: undefined }), (from, to, t, frac, mode) => {
      const s = activeOn({ ...from, autoRenew: true }, t);
      const at = s.currentPeriod.startMs + Math.floor((s.currentPeriod.endMs - s.currentPeriod.startMs) * frac);
      if (planChangeRejection(s, to, mode)) return true;
      const { quote, next } = planChangeOutcome(s, to, mode, at);
      const again = planChangeOutcome(s, to, mode, at);
      return (
        quote.credit <= from.price &&
        quote.credit >= 0 &&
        quote.chargeNow >= 0 &&
        JSON.stringify(again.next) === JSON.stringify(next) &&
        (quote.nextBillingAtMs === null || quote.nextBillingAtMs > at) &&
        (quote.action !== 'switch' || next.plan.id === to.id) &&
        (next.pendingChange === null || beginRenewal(next).plan.id === to.id)
      );
    }),
    { numRuns: 300 },
  );
});
