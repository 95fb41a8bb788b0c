import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { isTerminal } from '../../domain/subscription-status';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../../domain/calendar';
import type { CreateSubscriptionInput } from '../../domain/subscription';
import { cancelUpdate, restoreUpdate, retryChargeUpdate, updatePaymentMethodUpdate } from '../../../workflows/messages';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf, idempotent, updateIdOptions } from '../idempotency';
import { HttpProblem } from '../problem';
import { planForUse } from '../plan-for-use';
import { createSubscriptionBody, ID, listSubscriptionsQuery, paymentMethodChangeBody } from '../schemas';
import { derivedSubscriptionId, startAndActivate } from '../subscription-start';
import { assertNotTooFarAhead, parse, parseNoBody } from '../validate';
import { queryState, sendUpdate, subscriptionHandle } from '../workflow-calls';

/** Without an Idempotency-Key a create gets a random id (with one, see subscription-start.ts). */
export const newSubscriptionId = () => `sub_${randomBytes(10).toString('hex')}`;

export function subscriptionRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = () => (deps.clock ? deps.clock() : Promise.resolve(Date.now()));

  router.post('/v1/subscriptions', idempotent(deps.pool, 'subscriptions'), async (req, res) => {
    const body = parse(createSubscriptionBody, req.body);
    const timeZone = body.timeZone ?? DEFAULT_TIME_ZONE;
    if (!isValidTimeZone(timeZone)) {
      throw new HttpProblem(400, 'invalid-request', `unknown IANA time zone "${timeZone}"`, { errors: [{ field: 'timeZone', message: 'unknown IANA time zone' }] });
    }
    const startAtMs = body.startAt === undefined ? undefined : Date.parse(body.startAt);
    if (startAtMs !== undefined) {
      const nowMs = await now();
      if (startAtMs <= nowMs) {
        throw new HttpProblem(400, 'invalid-request', 'startAt must be in the future (omit it to start now)', { errors: [{ field: 'startAt', message: 'not in the future' }] });
      }
      assertNotTooFarAhead(startAtMs, nowMs, 'startAt');
    }
    const plan = await planForUse(deps.plans, body.planId);
    const paymentMethod = await deps.paymentMethods.get(body.paymentMethodId);
    if (!paymentMethod || paymentMethod.customerKey !== body.customerKey) {
      throw new HttpProblem(422, 'unknown-payment-method', `payment method ${body.paymentMethodId} does not belong to customer ${body.customerKey}`, {
        errors: [{ field: 'paymentMethodId', message: 'unknown payment method for this customer' }],
      });
    }
    const key = idempotencyKeyOf(req);
    const id = key === undefined ? newSubscriptionId() : derivedSubscriptionId(body.customerKey, key);
    const wantsTrial = body.trial !== false && plan.trialDays !== undefined && startAtMs === undefined;
    // One introductory offer (trial and/or intro price) per customer and product; a lost race means
    // none. Taken before the start; a retry under the same derived id finds it is its own.
    const introductory = (wantsTrial || plan.intro !== undefined) && (await deps.subscriptions.redeemOffer(body.customerKey, plan.product, id));
    const create: CreateSubscriptionInput = {
      subscriptionId: id,
      customerKey: body.customerKey,
      plan,
      paymentMethodId: paymentMethod.id,
      timeZone,
      withTrial: introductory && wantsTrial,
      withIntroPrice: introductory && plan.intro !== undefined,
      ...(startAtMs !== undefined ? { startAtMs } : {}),
    };
    const snapshot = await startAndActivate(deps, create);
    // Listed once its workflow exists; the workflow's own projection has usually listed it already.
    await deps.subscriptions.registerStarted({
      id,
      customerKey: body.customerKey,
      planId: plan.id,
      product: plan.product,
      paymentMethodId: paymentMethod.id,
      timeZone,
    });
    if (snapshot.status === 'INCOMPLETE' && startAtMs === undefined && snapshot.unsettledOrders.length > 0) {
      // The gateway never confirmed the first charge: claim neither success nor a decline. It is
      // looked up within minutes and counts as paid (ACTIVE) if it went through (docs/money-movement.md).
      return void res.status(202).location(`/v1/subscriptions/${id}`).json(snapshot);
    }
    if (snapshot.status === 'INCOMPLETE' && startAtMs === undefined) {
      const code = snapshot.blocked?.code;
      throw new HttpProblem(402, 'payment-declined', 'the first charge was declined; update the payment method within 23 hours to retry', {
        subscription: snapshot,
        ...(code ? { gatewayCode: code } : {}),
      });
    }
    res.status(201).location(`/v1/subscriptions/${id}`).json(snapshot);
  });

  router.get('/v1/subscriptions', async (req, res) => {
    const query = parse(listSubscriptionsQuery, req.query, 'query');
    const rows = await deps.subscriptions.list(query);
    res.json({ subscriptions: rows.map((r) => r.snapshot ?? { subscriptionId: r.id, status: r.status, customerKey: r.customer_key, planId: r.plan_id }) });
  });

  router.get('/v1/subscriptions/:id', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const live = await queryState(deps.temporal, id);
    const row = live && !isTerminal(live.status) ? null : await deps.subscriptions.get(id);
    // An ended subscription's stored snapshot also counts refunds made after the end (payments.ts).
    if (live && !(row?.snapshot && row.snapshot.version >= live.version)) return void res.json(live);
    if (!row?.snapshot) throw new HttpProblem(404, 'not-found', `no subscription ${id}`);
    res.json(row.snapshot);
  });

  router.get('/v1/subscriptions/:id/payments', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    if (!(await deps.subscriptions.get(id))) throw new HttpProblem(404, 'not-found', `no subscription ${id}`);
    const live = await queryState(deps.temporal, id);
    res.json({
      payments: await deps.payments.listForSubscription(id),
      // Money the gateway has not confirmed either way yet: not in the ledger until it does.
      unconfirmed: {
        charges: [
          ...(live?.unsettledOrders ?? []).map((o) => ({ orderId: o.orderId, amount: o.amount, kind: 'period', attemptedAt: o.attemptedAt, nextCheckAt: o.nextCheckAt })),
          ...(live?.unsettledPurchases ?? []).map((p) => ({ orderId: p.orderId, amount: p.amount, kind: 'purchase', attemptedAt: p.attemptedAt, nextCheckAt: p.nextCheckAt })),
        ],
        refunds: live?.pendingRefunds ?? [],
      },
    });
  });

  const simple = (path: string, update: typeof cancelUpdate) =>
    router.post(`/v1/subscriptions/:id/${path}`, idempotent(deps.pool, path), async (req, res) => {
      const id = parse(ID, req.params.id, 'id');
      parseNoBody(req.body);
      res.json(await sendUpdate(deps.temporal, id, () => subscriptionHandle(deps.temporal, id).executeUpdate(update, updateIdOptions(req, path))));
    });
  simple('cancel', cancelUpdate);
  simple('restore', restoreUpdate);
  simple('retry-charge', retryChargeUpdate);

  router.post('/v1/subscriptions/:id/payment-method', idempotent(deps.pool, 'payment-method-change'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { paymentMethodId } = parse(paymentMethodChangeBody, req.body);
    const row = await deps.subscriptions.get(id);
    if (!row) throw new HttpProblem(404, 'not-found', `no subscription ${id}`);
    const method = await deps.paymentMethods.get(paymentMethodId);
    if (!method || method.customerKey !== row.customer_key) {
      throw new HttpProblem(422, 'unknown-payment-method', `payment method ${paymentMethodId} does not belong to customer ${row.customer_key}`, {
        errors: [{ field: 'paymentMethodId', message: 'unknown payment method for this customer' }],
      });
    }
    res.json(
      await sendUpdate(deps.temporal, id, () =>
        subscriptionHandle(deps.temporal, id).executeUpdate(updatePaymentMethodUpdate, { args: [{ paymentMethodId }], ...updateIdOptions(req, 'payment-method-change') }),
      ),
    );
  });

  return router;
}
