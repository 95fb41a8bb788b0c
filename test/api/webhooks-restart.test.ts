/**
 * Webhook deliveries across a worker restart (docs/webhooks.md), on the dev server in real time:
 * the receiver is down while a subscription is created and canceled, the worker stops and a new
 * one starts, the receiver comes back — and gets every event once, in sequence, signed.
 */
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { startApiStack, type ApiStack } from './api-stack';

let stack: ApiStack;
let receiver: WebhookReceiver;
let endpointId: string;

beforeAll(async () => {
  stack = await startApiStack();
  receiver = await startWebhookReceiver();
  const res = await stack.api.post('/v1/webhook-endpoints').send({ url: receiver.url });
  expect(res.status).toBe(201);
  receiver.secret = res.body.secret;
  endpointId = res.body.id;
});
afterAll(async () => {
  // The database outlives this file: its endpoint must not receive the next files' events.
  if (endpointId) await stack?.api.delete(`/v1/webhook-endpoints/${endpointId}`);
  await receiver?.close();
  await stack?.stop();
});

test('deliveries retried across a worker restart reach the receiver once each, in sequence', async () => {
  receiver.down = true;
  const customerKey = `whr-${Date.now().toString(36)}`;
  const paymentMethodId = await stack.card(customerKey);
  const created = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false });
  expect(created.status).toBe(201);
  const id: string = created.body.subscriptionId;
  expect((await stack.api.post(`/v1/subscriptions/${id}/cancel`)).status).toBe(200);

  // Every delivery has been refused at least once before the worker goes away.
  for (let i = 0; i < 100 && receiver.refused < 4; i++) await new Promise((r) => setTimeout(r, 100));
  expect(receiver.refused).toBeGreaterThanOrEqual(4);
  await stack.restartWorker();
  receiver.down = false;

  const types = ['subscription.created', 'payment.succeeded', 'subscription.activated', 'subscription.canceled'];
  for (let i = 0; i < 600 && receiver.eventsOf(id).length < types.length; i++) await new Promise((r) => setTimeout(r, 100));
  const got = receiver.eventsOf(id);
  expect(got.map((e) => e.type)).toEqual(types);
  expect(got.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
  expect(receiver.invalid).toBe(0);
  const { rows } = await stack.parts.pool.query('SELECT body FROM events WHERE subscription_id = $1 ORDER BY sequence', [id]);
  expect(got).toEqual(rows.map((r: { body: unknown }) => r.body));
  const deliveries = (await stack.api.get(`/v1/webhook-endpoints/${endpointId}/deliveries`)).body.data.filter((d: { subscriptionId: string }) => d.subscriptionId === id);
  expect(deliveries.map((d: { status: string }) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
});
