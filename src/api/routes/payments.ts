/**
 * Payments (docs/money-movement.md): refunds go through the subscription's workflow while it runs,
 * decided inside its turn on the state they change; once it has ended, refund-after-end.ts makes
 * them. Either way a request with an Idempotency-Key refunds once, whichever path its retry takes.
 */
import { Router, type Response } from 'express';
import { refundUpdate, type RefundOutcome } from '../../../workflows/messages';
import type { ApiDeps } from '../deps';
import { digest, idempotencyKeyOf, idempotent, updateIdOptions } from '../idempotency';
import { HttpProblem } from '../problem';
import { createAfterEndRefunds } from '../refund-after-end';
import type { ProblemCode } from '../problem-types';
import { ID, refundBody } from '../schemas';
import { parse } from '../validate';
import { sendUpdate, subscriptionHandle, SubscriptionEnded } from '../workflow-calls';

/** 200 with the refund that happened, or 202 with one the gateway has not confirmed yet (it is sent again until it does). */
function sendRefundAnswer(res: Response, refund: RefundOutcome['refund']): void {
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
  const refundAfterEnd = createAfterEndRefunds(deps);

  router.get('/v1/payments/:paymentId', async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    res.json({
      ...payment,
      refunds: await deps.payments.refunds.listForOrder(paymentId),
      // After the end: refunds sent to the gateway whose answer has not come back (sent again on the next refund).
      pendingRefunds: (await deps.payments.refundIntents.listForOrder(paymentId)).map(({ refundId, amount, createdAt }) => ({ refundId, amount, createdAt })),
    });
  });

  router.post('/v1/payments/:paymentId/refund', idempotent(deps.pool, 'refund'), async (req, res) => {
    const paymentId = parse(ID, req.params.paymentId, 'paymentId');
    const body = parse(refundBody, req.body) ?? {};
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new HttpProblem(404, 'not-found', `no payment ${paymentId}`);
    const id = payment.subscriptionId;
    const key = idempotencyKeyOf(req);
    const requestKey = key === undefined ? undefined : digest('refund', paymentId, key);
    const request = {
      paymentId,
      ...(body.amount !== undefined ? { amount: body.amount } : {}),
      ...(body.reason ? { reason: body.reason } : {}),
      ...(requestKey !== undefined ? { requestKey } : {}),
    };
    try {
      const outcome = await sendUpdate(deps.temporal, id, () =>
        subscriptionHandle(deps.temporal, id).executeUpdate(refundUpdate, { args: [request], ...updateIdOptions(req, `refund ${paymentId}`) }),
      );
      return sendRefundAnswer(res, outcome.refund);
    } catch (error) {
      if (!(error instanceof SubscriptionEnded)) throw error;
    }
    const answer = await refundAfterEnd({
      subscriptionId: id,
      paymentId,
      ...(body.amount !== undefined ? { amount: body.amount } : {}),
      reason: body.reason ?? 'merchant refund',
      ...(requestKey !== undefined ? { requestKey } : {}),
    });
    switch (answer.outcome) {
      case 'refunded':
        return void res.json(answer.refund);
      case 'refused':
        throw new HttpProblem(422, REFUSAL_CODES[answer.code] ?? 'refund-refused', answer.message, { paymentId, gatewayCode: answer.code });
      case 'keyReused':
        throw new HttpProblem(422, 'idempotency-key-reused', `this Idempotency-Key already refunded ${answer.refund.amount} (refund ${answer.refund.refundId}); use a new key for another refund`, {
          paymentId,
          refund: answer.refund,
        });
      case 'unknown':
        // Nothing is claimed: the refund is written down and sent again before anything else is
        // refunded from this payment; the same Idempotency-Key gets its outcome.
        throw new HttpProblem(503, 'refund-outcome-unknown', `the gateway did not confirm the refund (${answer.message}); retry with the same Idempotency-Key`, {
          paymentId,
          refundId: answer.refundId,
        });
    }
  });

  return router;
}
