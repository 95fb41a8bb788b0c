import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../../domain/calendar';
import { formatMoney } from '../../domain/money';
import type { CreateSubscriptionInput, SubscriptionSnapshot } from '../../domain/subscription';
import {
  CustomerKeyKey,
  EntitledKey,
  PlanIdKey,
  SubscriptionStatusKey,
} from '../../temporal/search-attributes';
import { workflowIdFor } from '../../temporal/task-queue';
import {
  activationUpdate,
  cancelUpdate,
  restoreUpdate,
  retryChargeUpdate,
  updatePaymentMethodUpdate,
} from '../../../workflows/messages';
import { subscriptionWorkflow } from '../../../workflows/subscription-workflow';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { createSubscriptionBody, emptyBody, ID, listSubscriptionsQuery, paymentMethodChangeBody } from '../schemas';
import { parse } from '../validate';
import { queryState, sendUpdate, subscriptionHandle } from '../workflow-calls';

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
    const plan = await deps.plans.get(body.planId);
    if (!plan) throw new HttpProblem(422, 'unknown-plan', `no plan ${body.planId}`, { errors: [{ field: 'planId', message: 'unknown plan' }] });
    const paymentMethod = await deps.paymentMethods.get(body.paymentMethodId);
    if (!paymentMethod || paymentMethod.customerKey !== body.customerKey) {
      throw new HttpProblem(422, 'unknown-payment-method', `payment method ${body.paymentMethodId} does not belong to customer ${body.customerKey}`, {
        errors: [{ field: 'paymentMethodId', message: 'unknown payment method for this customer' }],
      });
    }
    const startAtMs = body.startAt === undefined ? undefined : Date.parse(body.startAt);
    if (startAtMs !== undefined && startAtMs <= (await now())) {
      throw new HttpProblem(400, 'invalid-request', 'startAt must be in the future (omit it to start now)', { errors: [{ field: 'startAt', message: 'not in the future' }] });
    }
    const wantsTrial = body.trial !== false && plan.trialDays !== undefined && startAtMs === undefined;
    // One introductory offer (trial and/or intro price) per customer and product; a lost race means none.
    const offered = (wantsTrial || plan.intro !== undefined) && !(await deps.subscriptions.hasUsedTrial(body.customerKey, plan.product));
    const id = newSubscriptionId();
    const registered = await deps.subscriptions.insertPending({
      id,
      customerKey: body.customerKey,
      planId: plan.id,
      product: plan.product,
      paymentMethodId: paymentMethod.id,
      timeZone,
      withTrial: offered,
    });
    const introductory = offered && registered === 'ok';
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
    const handle = await deps.temporal.workflow.start(subscriptionWorkflow, {
      workflowId: workflowIdFor(id),
      taskQueue: deps.taskQueue,
      args: [{ create }],
      staticSummary: `${plan.name} ${formatMoney(plan.price, plan.currency)}/${plan.interval.count > 1 ? `${plan.interval.count} ` : ''}${plan.interval.unit} for ${body.customerKey}`,
      typedSearchAttributes: [
        { key: SubscriptionStatusKey, value: create.withTrial ? 'TRIALING' : 'INCOMPLETE' },
        { key: CustomerKeyKey, value: body.customerKey },
        { key: PlanIdKey, value: plan.id },
        { key: EntitledKey, value: create.withTrial },
      ],
    });
    const snapshot: SubscriptionSnapshot = await handle.executeUpdate(activationUpdate);
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
    if (live) return void res.json(live);
    const row = await deps.subscriptions.get(id);
    if (!row?.snapshot) throw new HttpProblem(404, 'not-found', `no subscription ${id}`);
    res.json(row.snapshot);
  });

  router.get('/v1/subscriptions/:id/payments', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    if (!(await deps.subscriptions.get(id))) throw new HttpProblem(404, 'not-found', `no subscription ${id}`);
    res.json({ payments: await deps.payments.listForSubscription(id) });
  });

  const simple = (path: string, update: typeof cancelUpdate) =>
    router.post(`/v1/subscriptions/:id/${path}`, async (req, res) => {
      const id = parse(ID, req.params.id, 'id');
      parse(emptyBody, req.body);
      res.json(await sendUpdate(deps.temporal, id, () => subscriptionHandle(deps.temporal, id).executeUpdate(update)));
    });
  simple('cancel', cancelUpdate);
  simple('restore', restoreUpdate);
  simple('retry-charge', retryChargeUpdate);

  router.post('/v1/subscriptions/:id/payment-method', async (req, res) => {
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
      await sendUpdate(deps.temporal, id, () => subscriptionHandle(deps.temporal, id).executeUpdate(updatePaymentMethodUpdate, { args: [{ paymentMethodId }] })),
    );
  });

  return router;
}
