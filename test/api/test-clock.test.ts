/**
 * The test clock (docs/simulation.md) on the time-skipping server, through the HTTP API only: an
 * advance answers when what fell due has run, so a client reads every charge, dunning step and
 * event right after it.
 */
import { createTimeSkippingHarness, type Harness } from '../support/workflow-harness';

let h: Harness;

beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  await h?.teardown();
});

const advance = (body: object, key?: string) => {
  const req = h.api.post('/v1/test-clock/advance');
  return (key ? req.set('Idempotency-Key', key) : req).send(body);
};

async function subscription() {
  const customerKey = h.customerKey('clock');
  const paymentMethodId = await h.registerCard(customerKey, 'approve');
  const created = await h.api.post('/v1/subscriptions').send({ customerKey, planId: 'test-monthly', paymentMethodId, trial: false });
  expect(created.status).toBe(201);
  return { customerKey, id: created.body.subscriptionId as string, first: created.body };
}

test('renewal, decline, grace, hold and recovery, each read right after the advance that caused it', async () => {
  const { customerKey, id, first } = await subscription();
  h.script(customerKey, Array(5).fill('REJECT_CARD_PAYMENT'));
  const read = async () => (await h.api.get(`/v1/subscriptions/${id}`)).body;

  const moved = await advance({ to: first.currentPeriod.end });
  expect(moved.status).toBe(200);
  expect(Date.parse(moved.body.now)).toBeGreaterThanOrEqual(Date.parse(first.currentPeriod.end));
  expect(await read()).toMatchObject({ status: 'IN_GRACE_PERIOD', counters: { chargeAttempts: 2, declinedAttempts: 1 } });

  await advance({ by: 'P8D' });
  expect(await read()).toMatchObject({ status: 'ON_HOLD', counters: { declinedAttempts: 5 } });
  await advance({ by: 'P7D' });
  const recovered = await read();
  expect(recovered).toMatchObject({ status: 'ACTIVE', counters: { paidCycles: 2, amountCharged: 20_000 } });

  await advance({ by: 'P1Y' });
  const year = await read();
  expect(year.counters.paidCycles).toBe(14);
  const ledger = (await h.api.get(`/v1/subscriptions/${id}/payments`)).body.payments;
  expect(ledger.filter((p: { status: string }) => p.status === 'DONE')).toHaveLength(14);
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE')).toHaveLength(14);
  const events = (await h.api.get('/v1/events').query({ subscriptionId: id, limit: '500' })).body.data;
  expect(events.filter((e: { type: string }) => e.type === 'subscription.renewed')).toHaveLength(12);
  // Previews see the test clock: the next instants start after it.
  const clock = (await h.api.get('/v1/test-clock')).body.now;
  expect(Date.parse(year.nextBillingAt)).toBeGreaterThan(Date.parse(clock));
});

test('advances are checked, serialised, and a repeated key does not move the clock twice', async () => {
  const now = Date.parse((await h.api.get('/v1/test-clock')).body.now);
  for (const body of [{}, { by: 'P1M', to: '2099-01-01T00:00:00Z' }, { by: '-P1D' }, { by: 'P0D' }, { by: 'one month' }, { by: 'P11Y' }, { to: '2000-01-01T00:00:00Z' }, { to: '2026-02-30T00:00:00Z' }, { at: 'P1D' }]) {
    const res = await advance(body);
    expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'invalid-request' });
  }
  expect(Date.parse((await h.api.get('/v1/test-clock')).body.now) - now).toBeLessThan(60_000);

  const key = `adv-${Date.now()}`;
  const once = await advance({ by: 'P1D' }, key);
  const again = await advance({ by: 'P1D' }, key);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.body).toEqual(once.body);
  const [a, b] = await Promise.all([advance({ by: 'P1D' }), advance({ by: 'P1D' })]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const after = Date.parse((await h.api.get('/v1/test-clock')).body.now);
  // One day, then two more one after the other: three days, and a little real time.
  expect(after - now).toBeGreaterThanOrEqual(3 * 86_400_000);
  expect(after - now).toBeLessThan(3 * 86_400_000 + 60_000);
});
