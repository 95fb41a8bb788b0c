/**
 * docs/lifecycle.md §3.1's worked examples end to end: the HTTP API (preview, plan change, defer) on the real
 * time-skipping server, the workflow, the charge activity over HTTP to the emulator and the
 * PostgreSQL ledger. Every charged amount and every billing instant is asserted exactly.
 *
 * The server clock only moves forward and is shared, so all subscriptions start together (in a
 * future year Y, taken from the server clock) and the clock walks through the story once.
 */
import { localToInstantMs } from '../src/domain/calendar';
import { recordHistories } from '../test/support/history-fixtures';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { localDateTime } from '../test/support/local-time';

let h: Harness;
let Y: number;
const NY = 'America/New_York';
const LONDON = 'Europe/London';
const MODES = ['WITH_TIME_PRORATION', 'CHARGE_PRORATED_PRICE', 'WITHOUT_PRORATION', 'DEFERRED', 'CHARGE_FULL_PRICE'] as const;
type Mode = (typeof MODES)[number];

const samwise = new Map<Mode, { customerKey: string; id: string }>();
const previews = new Map<Mode, Record<string, unknown>>();
const applied = new Map<Mode, Record<string, unknown>>();
let darcy: { customerKey: string; id: string };

const local = (date: string, time = '00:00', tz = NY) => localToInstantMs(date, time, tz);

async function subscribe(label: string, planId: string, timeZone: string, startAtMs: number) {
  const customerKey = h.customerKey(label);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  expect(card.status).toBe(201);
  const res = await h.api
    .post('/v1/subscriptions')
    .send({ customerKey, planId, paymentMethodId: card.body.id, timeZone, startAt: new Date(startAtMs).toISOString() });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'INCOMPLETE', entitled: false });
  return { customerKey, id: res.body.subscriptionId as string };
}

/** Paid charges as `local time → amount`, from the ledger the activity writes. */
async function paid(id: string, tz: string) {
  const rows = await h.repos.payments.listForSubscription(id);
  return rows.filter((r) => r.status === 'DONE').map((r) => `${localDateTime(r.attemptedAt, tz)} ${r.amount} ${r.currency}`);
}

beforeAll(async () => {
  h = await createTimeSkippingHarness();
  Y = new Date(await h.env.currentTimeMs()).getUTCFullYear() + 1;
  darcy = await subscribe('darcy', 'darcy-monthly-gbp', LONDON, local(`${Y}-03-01`, '00:00', LONDON));
  for (const mode of MODES) samwise.set(mode, await subscribe(`samwise-${mode}`, 'tier1-monthly-usd', NY, local(`${Y}-04-01`)));

  // March 10: the merchant defers Darcy's April 1 charge to May 15.
  await h.skipTo(local(`${Y}-03-10`, '12:00', LONDON));
  const deferred = await h.api.post(`/v1/subscriptions/${darcy.id}/defer`).send({ until: `${Y}-05-15` });
  expect(deferred.status).toBe(200);

  // April 15: Samwise moves to Tier 2, once per mode; preview first, then apply.
  await h.skipTo(local(`${Y}-04-15`, '10:00'));
  for (const [mode, sub] of samwise) {
    const preview = await h.api.post(`/v1/subscriptions/${sub.id}/plan-change/preview`).send({ planId: 'tier2-yearly-usd', mode });
    expect(preview.status).toBe(200);
    previews.set(mode, preview.body);
    const change = await h.api.post(`/v1/subscriptions/${sub.id}/plan-change`).send({ planId: 'tier2-yearly-usd', mode });
    expect(change.status).toBe(200);
    applied.set(mode, change.body.quote);
  }
  await h.skipTo(local(`${Y + 2}-04-30`, '12:00'));
}, 300_000);

afterAll(async () => {
  try {
    if (h) await recordHistories(h, { 'darcy-defer': darcy.id, ...Object.fromEntries([...samwise].map(([mode, sub]) => [`samwise-${mode}`, sub.id])) });
  } finally {
    await h?.teardown();
  }
});

const at = (ms: number, tz = NY) => localDateTime(ms, tz);
const y = (offset: number, md: string) => `${Y + offset}-${md}`;

test('WITH_TIME_PRORATION: nothing charged; $1.00 buys 10 days; $36.00 on April 26, then every April 26', async () => {
  expect(previews.get('WITH_TIME_PRORATION')).toMatchObject({ chargeNow: 0, credit: 100, creditTime: { periods: 0, days: 10 }, nextChargeAmount: 3600 });
  expect(at(Date.parse(previews.get('WITH_TIME_PRORATION')!.nextBillingAt as string))).toBe(`${y(0, '04-26')} 00:00`);
  expect(await paid(samwise.get('WITH_TIME_PRORATION')!.id, NY)).toEqual([
    `${y(0, '04-01')} 00:00 200 USD`,
    `${y(0, '04-26')} 00:00 3600 USD`,
    `${y(1, '04-26')} 00:00 3600 USD`,
    `${y(2, '04-26')} 00:00 3600 USD`,
  ]);
});

test('CHARGE_PRORATED_PRICE: $0.50 now; $36.00 on May 1, then yearly on May 1', async () => {
  expect(previews.get('CHARGE_PRORATED_PRICE')).toMatchObject({ chargeNow: 50, credit: 100, newCostOfRemainder: 150 });
  expect(await paid(samwise.get('CHARGE_PRORATED_PRICE')!.id, NY)).toEqual([
    `${y(0, '04-01')} 00:00 200 USD`,
    `${y(0, '04-15')} 10:00 50 USD`,
    `${y(0, '05-01')} 00:00 3600 USD`,
    `${y(1, '05-01')} 00:00 3600 USD`,
  ]);
});

test('WITHOUT_PRORATION: nothing now; $36.00 on May 1, then yearly', async () => {
  expect(previews.get('WITHOUT_PRORATION')).toMatchObject({ chargeNow: 0, credit: 0, nextChargeAmount: 3600 });
  expect(await paid(samwise.get('WITHOUT_PRORATION')!.id, NY)).toEqual([
    `${y(0, '04-01')} 00:00 200 USD`,
    `${y(0, '05-01')} 00:00 3600 USD`,
    `${y(1, '05-01')} 00:00 3600 USD`,
  ]);
});

test('DEFERRED: Tier 1 until April 30; $36.00 on May 1 when Tier 2 starts', async () => {
  expect(previews.get('DEFERRED')).toMatchObject({ chargeNow: 0, action: 'schedule', nextChargeAmount: 3600 });
  expect(at(Date.parse(previews.get('DEFERRED')!.newPlanStartsAt as string))).toBe(`${y(0, '05-01')} 00:00`);
  expect(await paid(samwise.get('DEFERRED')!.id, NY)).toEqual([
    `${y(0, '04-01')} 00:00 200 USD`,
    `${y(0, '05-01')} 00:00 3600 USD`,
    `${y(1, '05-01')} 00:00 3600 USD`,
  ]);
});

test('CHARGE_FULL_PRICE: $36.00 now; the $1.00 credit adds 10 days; next charge April 25 next year', async () => {
  expect(previews.get('CHARGE_FULL_PRICE')).toMatchObject({ chargeNow: 3600, credit: 100, creditTime: { periods: 0, days: 10 } });
  expect(await paid(samwise.get('CHARGE_FULL_PRICE')!.id, NY)).toEqual([
    `${y(0, '04-01')} 00:00 200 USD`,
    `${y(0, '04-15')} 10:00 3600 USD`,
    `${y(1, '04-25')} 10:00 3600 USD`,
    `${y(2, '04-25')} 10:00 3600 USD`,
  ]);
});

test('each preview equals the applied change, and the emulator charged exactly those amounts once', async () => {
  for (const mode of MODES) {
    // Same figures; only the instant of asking differs (an immediate switch starts at that instant).
    // A full-price period starts at that instant too, so its next billing instant is compared to the minute.
    const { at: _p, newPlanStartsAt: startsP, nextBillingAt: nextP, ...preview } = previews.get(mode)!;
    const { at: atA, newPlanStartsAt: startsA, nextBillingAt: nextA, ...change } = applied.get(mode)!;
    expect(change).toEqual(preview);
    expect(at(Date.parse(nextA as string))).toBe(at(Date.parse(nextP as string)));
    if (change.action === 'switch') expect(startsA).toBe(atA);
    else expect(startsA).toBe(startsP);
    const sub = samwise.get(mode)!;
    const charges = h.charges(sub.customerKey);
    const ledger = (await h.repos.payments.listForSubscription(sub.id)).filter((r) => r.status === 'DONE');
    expect(charges.map((c) => c.amount).sort()).toEqual(ledger.map((r) => r.amount).sort());
    expect(new Set(charges.map((c) => c.orderId)).size).toBe(charges.length);
    expect(charges.every((c) => c.currency === 'USD')).toBe(true);
  }
});

test("Darcy: the April 1 charge deferred to May 15 — nothing in April, £1.25 on May 15, then June 15", async () => {
  const charges = await paid(darcy.id, LONDON);
  expect(charges.slice(0, 4)).toEqual([
    `${y(0, '03-01')} 00:00 125 GBP`,
    `${y(0, '05-15')} 00:00 125 GBP`,
    `${y(0, '06-15')} 00:00 125 GBP`,
    `${y(0, '07-15')} 00:00 125 GBP`,
  ]);
  const state = (await h.api.get(`/v1/subscriptions/${darcy.id}`)).body;
  expect(state).toMatchObject({ status: 'ACTIVE', entitled: true, anchor: `${y(0, '05-15')}T00:00:00` });
});
