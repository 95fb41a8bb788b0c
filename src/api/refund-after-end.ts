/**
 * Refunds of a payment whose subscription has ended (docs/money-movement.md): no workflow turn
 * serialises them any more, so one refund per payment runs at a time under a lock, each is written
 * down (an intent) before the gateway is asked, and a refund whose answer was lost is sent again —
 * same refund id, so the gateway answers its first cancel — before anything else is refunded from
 * that payment. With an Idempotency-Key the refund id derives from it, and a request that a running
 * workflow already answered is found by its request key.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createRefundActivity, type RefundAttempt, type RefundResult } from '../../activities/refund-activity';
import { syncEndedSnapshotRefunds, withPaymentLock } from '../db/payment-lock';
import type { PaymentsRepo } from '../db/payments-repo';
import type { RefundIntent } from '../db/refund-intents-repo';
import type { PaymentGateway } from '../gateway/payment-gateway';

export interface AfterEndRefundRequest {
  subscriptionId: string;
  paymentId: string;
  /** Minor units; absent = the whole remaining balance. */
  amount?: number;
  reason: string;
  /** A digest of payment and Idempotency-Key, when the request had one. */
  requestKey?: string;
}

export type AfterEndRefundAnswer =
  | { outcome: 'refunded'; refund: RefundResult }
  | { outcome: 'refused'; code: string; message: string }
  /** The same key asked for another amount before: the refund it made, which is not this one. */
  | { outcome: 'keyReused'; refund: RefundResult }
  | { outcome: 'unknown'; refundId: string; message: string };

export function createAfterEndRefunds(deps: { pool: Pool; gateway: PaymentGateway; payments: PaymentsRepo }) {
  const refund = createRefundActivity(deps);
  const intents = deps.payments.refundIntents;

  /** Sends an intent to the gateway; a definite answer settles it, a missing one leaves it pending. */
  async function send(intent: RefundIntent): Promise<RefundAttempt | { outcome: 'unknown'; message: string }> {
    let attempt: RefundAttempt;
    try {
      attempt = await refund({
        subscriptionId: intent.subscriptionId,
        paymentId: intent.orderId,
        refundId: intent.refundId,
        ...(intent.amount !== null ? { amount: intent.amount } : {}),
        reason: intent.reason,
        kind: 'refund',
        ...(intent.requestKey !== null ? { requestKey: intent.requestKey } : {}),
      });
    } catch (error) {
      return { outcome: 'unknown', message: (error as Error).message };
    }
    await intents.settle(intent.refundId);
    return attempt;
  }

  function answerOf(attempt: RefundAttempt, requested: number | undefined): AfterEndRefundAnswer {
    if (attempt.outcome === 'refused') return attempt;
    if (requested !== undefined && attempt.refund.amount !== requested) return { outcome: 'keyReused', refund: attempt.refund };
    return attempt;
  }

  return async function refundAfterEnd(request: AfterEndRefundRequest): Promise<AfterEndRefundAnswer> {
    const { paymentId, requestKey } = request;
    const answer = await withPaymentLock(deps.pool, paymentId, async (): Promise<AfterEndRefundAnswer> => {
      // Answered before (by the workflow while it ran, or here): read back, never refunded again.
      const done = requestKey === undefined ? null : await deps.payments.refunds.getByRequestKey(requestKey);
      if (done) {
        const again = await refund({ subscriptionId: request.subscriptionId, paymentId, refundId: done.refundId, reason: done.reason, kind: 'refund' });
        return answerOf(again, request.amount);
      }
      // Earlier refunds of this payment whose answer was lost go first: the balance depends on them.
      for (const earlier of await intents.listForOrder(paymentId)) {
        const result = await send(earlier);
        const ours = requestKey !== undefined && earlier.requestKey === requestKey;
        if (result.outcome === 'unknown') {
          return {
            outcome: 'unknown',
            refundId: earlier.refundId,
            message: ours ? result.message : `an earlier refund of this payment (${earlier.refundId}) is still unconfirmed: ${result.message}`,
          };
        }
        if (ours) return answerOf(result, request.amount);
      }
      const refundId = `${paymentId}-${requestKey === undefined ? `e${randomBytes(6).toString('hex')}` : `k${requestKey.slice(0, 16)}`}`.slice(-64);
      const intent = await intents.record({
        refundId,
        orderId: paymentId,
        subscriptionId: request.subscriptionId,
        amount: request.amount ?? null,
        reason: request.reason,
        requestKey: requestKey ?? null,
      });
      const result = await send(intent);
      if (result.outcome === 'unknown') return { outcome: 'unknown', refundId, message: result.message };
      return answerOf(result, request.amount);
    });
    // Recomputed from the ledger, so a repeat can never count a refund twice.
    if (answer.outcome === 'refunded' || answer.outcome === 'keyReused') await syncEndedSnapshotRefunds(deps.pool, request.subscriptionId);
    return answer;
  };
}
