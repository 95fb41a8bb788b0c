/**
 * Payments (docs/money-movement.md): refunds go through the subscription's workflow while it runs,
 * decided inside its turn on the state they change. Once the subscription has ended, the same
 * activity code runs here, one refund per payment at a time (a PostgreSQL lock), with a refund id
 * derived from the request's Idempotency-Key so a retried request refunds once.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Response } from 'express';
import { createRefundActivity, type RefundResult } from '../../../activities/refund-activity';
import { addRefundToEndedSnapshot, withPaymentLock } from '../../db/payment-lock';
import { refundUpdate, type RefundOutcome } from '../../../workflows/messages';
import type { ApiDeps } from '../deps';
import { digest, idempotencyKeyOf, idempotent, updateIdOptions } from '../idempotency';
import { HttpProblem } from '../problem';
import type { ProblemCode } from '../problem-types';
import { ID, refundBody } from '../schemas';
import { parse } from '../validate';
import { sendUpdate, subscriptionHandle, SubscriptionEnded } from '../workflow-calls';

/** 200 with the refund that happened, or 202 with one the gateway has not confirmed yet (it is sent again until it does). */
function answer(res: Response, refund: RefundOutcome['refund']): void {
  if (refund.outcome === 'refunded') return void res.json(refund.refund);
  res.status(202).json({ status: 'PENDING', refundId: refund.refundId, paymentId: refund.paymentId, amount: refund.amount, detail: refund.message });
}

/** The refund activity's own refusals, as problem codes; Toss's refusals are `refund-refused`. */
const REFUSAL_CODES: Partial<Record<string, ProblemCode>> = {
  EXCEEDS_BALANCE: 'refund-exceeds-balance',
  ALREADY_REFUNDED: 'already-refunded',
  NOT_REFUNDABLE: 'payment-not-refundable',
};

export function paymentRoutes(deps: ApiDeps): Router {
  const router = Router();
  const refundDirectly = createRefundActivity({ gateway: deps.gateway, payments: deps.payments });

  router.get('/v1/payments/:paymentId', async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    res.json({ ...payment, refunds: await deps.payments.refunds.listForOrder(paymentId) });
  });

  router.post('/v1/payments/:paymentId/refund', idempotent(deps.pool, 'refund'), async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const body = parse(refundBody, req.body) ?? {};
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    const id = payment.subscriptionId;
    const request = { paymentId, ...(body.amount !== undefined ? { amount: body.amount } : {}), ...(body.reason ? { reason: body.reason } : {}) };
    try {
      const outcome = await sendUpdate(deps.temporal, id, () =>
        subscriptionHandle(deps.temporal, id).executeUpdate(refundUpdate, { args: [request], ...updateIdOptions(req, `refund ${paymentId}`) }),
      );
      return answer(res, outcome.refund);
    } catch (error) {
      if (!(error instanceof SubscriptionEnded)) throw error;
    }
    const key = idempotencyKeyOf(req);
    const refundId = `${paymentId}-k${key === undefined ? randomBytes(8).toString('hex') : digest(paymentId, key).slice(0, 16)}`.slice(-64);
    const attempt = await withPaymentLock(deps.pool, paymentId, async () => {
      const earlier = await deps.payments.refunds.get(refundId);
      const result = await refundDirectly({
        subscriptionId: id,
        paymentId,
        refundId,
        ...(body.amount !== undefined ? { amount: body.amount } : {}),
        reason: body.reason ?? 'merchant refund',
        kind: 'refund',
      });
      if (result.outcome === 'refunded' && !earlier) await addRefundToEndedSnapshot(deps.pool, id, paymentId, result.refund.amount);
      return result;
    }).catch((error: unknown) => {
      // The gateway did not answer: nothing is claimed; the same Idempotency-Key later finds out.
      throw new HttpProblem(503, 'refund-outcome-unknown', `the gateway did not confirm the refund (${(error as Error).message}); retry with the same Idempotency-Key`, { paymentId, refundId });
    });
    if (attempt.outcome === 'refused') {
      throw new HttpProblem(422, REFUSAL_CODES[attempt.code] ?? 'refund-refused', attempt.message, { paymentId, gatewayCode: attempt.code });
    }
    res.json(attempt.refund satisfies RefundResult);
  });

  return router;
}
