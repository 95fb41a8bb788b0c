/**
 * Plans through the API (docs/plans.md), on the real stack: created plans are used by real
 * subscriptions; what subscribers were sold stays fixed while any is on the plan; archived plans
 * take no new subscriptions or plan changes, and the subscriptions on them go on.
 */
import { createTimeSkippingHarness, type Harness } from '../support/workflow-harness';

let h: Harness;
const run = Date.now().toString(36);

beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  await h?.teardown();
});

const monthly = (id: string, extra: object = {}) => ({ id, product: `lite-${run}`, name: 'Lite monthly', price: 4_900, interval: { unit: 'month', count: 1 }, ...extra });

async function subscribeTo(planId: string) {
  const customerKey = h.customerKey('plans');
  const paymentMethodId = await h.registerCard(customerKey, 'approve');
  return h.api.post('/v1/subscriptions').send({ customerKey, planId, paymentMethodId, trial: false });
}

test('create: defaults filled, the rules between fields checked, the same definition again is the same plan, another one is a clash', async () => {
  const id = `lite-${run}`;
  const created = await h.api.post('/v1/plans').send(monthly(id, { trialDays: 7 }));
  expect(created.status).toBe(201);
  expect(created.headers.location).toBe(`/v1/plans/${id}`);
  expect(created.body).toMatchObject({ id, currency: 'KRW', autoRenew: true, trialDays: 7, archivedAt: null, dunning: { gracePeriodDays: 7 } });
  expect((await h.api.get(`/v1/plans/${id}`)).body).toEqual(created.body);
  expect((await h.api.get('/v1/plans')).body.plans.map((p: { id: string }) => p.id)).toContain(id);

  const again = await h.api.post('/v1/plans').send(monthly(id, { trialDays: 7 }));
  expect([again.status, again.body]).toEqual([200, created.body]);
  const clash = await h.api.post('/v1/plans').send(monthly(id, { price: 5_900 }));
  expect([clash.status, clash.body.code]).toEqual([409, 'plan-exists']);

  const invalid: [object, string][] = [
    [monthly(`bad1-${run}`, { autoRenew: false, trialDays: 7 }), 'trialDays'],
    [monthly(`bad2-${run}`, { intro: { price: 9_000, periods: 2 } }), 'intro.price'],
    [monthly(`bad3-${run}`, { dunning: { gracePeriodDays: 5, accountHoldDays: 30, graceRetryDayOffsets: [1], holdRetryEveryDays: 7 } }), 'dunning.gracePeriodDays'],
    [monthly(`bad4-${run}`, { price: 1.5 }), 'price'],
    [monthly(`bad5-${run}`, { currency: 'XYZ' }), 'currency'],
    [monthly(`Bad6-${run}`), 'id'],
    [{ ...monthly(`bad7-${run}`), extra: 1 }, 'body'],
  ];
  for (const [body, field] of invalid) {
    const res = await h.api.post('/v1/plans').send(body);
    expect({ field, status: res.status, fields: res.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ field, status: 400, fields: expect.arrayContaining([field]) });
  }
});

test('a plan in use keeps its terms: price and interval are refused, the name and the trial may change', async () => {
  const id = `used-${run}`;
  expect((await h.api.post('/v1/plans').send(monthly(id))).status).toBe(201);
  // Unused: anything may change.
  const repriced = await h.api.patch(`/v1/plans/${id}`).send({ price: 5_500 });
  expect([repriced.status, repriced.body.price]).toEqual([200, 5_500]);

  const sub = await subscribeTo(id);
  expect(sub.status).toBe(201);
  expect(sub.body).toMatchObject({ planId: id, price: 5_500, status: 'ACTIVE' });
  for (const change of [{ price: 6_000 }, { interval: { unit: 'year', count: 1 } }, { currency: 'USD' }, { intro: { price: 100, periods: 1 } }]) {
    const res = await h.api.patch(`/v1/plans/${id}`).send(change);
    expect({ change, status: res.status, code: res.body.code }).toEqual({ change, status: 409, code: 'plan-in-use' });
  }
  const renamed = await h.api.patch(`/v1/plans/${id}`).send({ name: 'Lite (renamed)', trialDays: 14 });
  expect(renamed.body).toMatchObject({ name: 'Lite (renamed)', trialDays: 14, price: 5_500 });
  const noTrial = await h.api.patch(`/v1/plans/${id}`).send({ trialDays: null });
  expect(noTrial.body).not.toHaveProperty('trialDays');
  expect((await h.api.patch(`/v1/plans/${id}`).send({})).status).toBe(400);
  expect((await h.api.patch('/v1/plans/no-such-plan').send({ name: 'x' })).status).toBe(404);
});

test('archive: no new subscriptions or plan changes onto it; subscriptions on it go on; listed only when asked', async () => {
  const id = `old-${run}`;
  const target = `new-${run}`;
  expect((await h.api.post('/v1/plans').send(monthly(id))).status).toBe(201);
  expect((await h.api.post('/v1/plans').send({ ...monthly(target), product: `other-${run}`, price: 9_900 })).status).toBe(201);
  const sub = await subscribeTo(id);
  expect(sub.status).toBe(201);

  const archived = await h.api.post(`/v1/plans/${id}/archive`);
  expect(archived.status).toBe(200);
  expect(archived.body.archivedAt).not.toBeNull();
  expect((await h.api.post(`/v1/plans/${id}/archive`)).body.archivedAt).toBe(archived.body.archivedAt);
  expect((await h.api.get('/v1/plans')).body.plans.map((p: { id: string }) => p.id)).not.toContain(id);
  expect((await h.api.get('/v1/plans').query({ includeArchived: 'true' })).body.plans.map((p: { id: string }) => p.id)).toContain(id);

  const refused = await subscribeTo(id);
  expect([refused.status, refused.body.code]).toEqual([422, 'plan-archived']);
  expect((await h.api.patch(`/v1/plans/${id}`).send({ name: 'x' })).body.code).toBe('plan-archived');
  // The subscription on it is untouched and can still move away from it…
  const moved = await h.api.post(`/v1/subscriptions/${sub.body.subscriptionId}/plan-change`).send({ planId: target, mode: 'DEFERRED' });
  expect(moved.status).toBe(200);
  // …but nobody can move onto it.
  await h.api.post(`/v1/plans/${target}/archive`);
  const onto = await h.api.post(`/v1/subscriptions/${sub.body.subscriptionId}/plan-change/preview`).send({ planId: target });
  expect([onto.status, onto.body.code]).toEqual([422, 'plan-archived']);
  expect((await h.api.post('/v1/plans/no-such-plan/archive')).status).toBe(404);
});
