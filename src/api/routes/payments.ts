/**
 * Payments (SPEC §7): refunds go through the subscription's workflow while it runs, so they are
 * serialised with its renewals and counted in its state. A payment of a subscription that has
 * ended is refunded by the same activity code, called directly, with a deterministic refund id.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Router } from 'express';
import { createRefundActivity } from '../../../activities/refund-activity';
import { refundUpdate } from '../../../workflows/messages';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { ID, refundBody } from '../schemas';
import { parse } from '../validate';
import { sendUpdate, subscriptionHandle, SubscriptionEnded } from '../workflow-calls';

export function paymentRoutes(deps: ApiDeps): Router {
  const router = Router();
  const refundDirectly = createRefundActivity({ gateway: deps.gateway, payments: deps.payments });

  router.get('/v1/payments/:paymentId', async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    res.json({ ...payment, refunds: await deps.payments.refunds.listForOrder(paymentId) });
  });

  router.post('/v1/payments/:paymentId/refund', async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const body = parse(refundBody, req.body) ?? {};
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    const id = payment.subscriptionId;
    const request = { paymentId, ...(body.amount !== undefined ? { amount: body.amount } : {}), ...(body.reason ? { reason: body.reason } : {}) };
    try {
      const outcome = await sendUpdate(deps.temporal, id, () => subscriptionHandle(deps.temporal, id).executeUpdate(refundUpdate, { args: [request] }));
      return void res.json(outcome.refund);
    } catch (error) {
      if (!(error instanceof SubscriptionEnded)) throw error;
    }
    const earlier = await deps.payments.refunds.listForOrder(paymentId);
    try {
      const refund = await refundDirectly({
        subscriptionId: id,
        paymentId,
        refundId: `${paymentId}-after-end-${earlier.length + 1}`,
        ...(body.amount !== undefined ? { amount: body.amount } : {}),
        reason: body.reason ?? 'merchant refund',
        kind: 'refund',
      });
      res.json(refund);
    } catch (error) {
      if (error instanceof ApplicationFailure) throw new HttpProblem(error.nonRetryable ? 422 : 503, error.nonRetryable ? 'refund-refused' : 'refund-outcome-unknown', error.message, { paymentId });
      throw error;
    }
  });

  return router;
}
