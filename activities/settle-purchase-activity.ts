/**
 * Reconciling a charge the gateway never confirmed and whose operation did not go on
 * (purchase-reconciliation.ts). A charge found at Toss is recorded, then voided in full through the
 * refund path with the deterministic refund id `<orderId>-void`, so a retry never refunds twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { PurchaseSettlement } from '../src/domain/purchase-reconciliation';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import type { PaymentsRepo } from '../src/db/payments-repo';
import { chargeStatusOf, recordApproved, type OrderContext } from './approved-payment';
import { createRefundActivity } from './refund-activity';

export interface SettlePurchaseInput extends OrderContext {
  what: string;
}

export interface SettlePurchaseDeps {
  gateway: PaymentGateway;
  payments: PaymentsRepo;
}

export const voidRefundIdFor = (orderId: string) => `${orderId}-void`;

export function createSettlePurchaseActivity(deps: SettlePurchaseDeps) {
  const refund = createRefundActivity(deps);

  return async function settlePurchase(input: SettlePurchaseInput): Promise<PurchaseSettlement> {
    const refundId = voidRefundIdFor(input.orderId);
    let entry = await deps.payments.get(input.orderId);
    if (entry?.status === 'DECLINED') return { outcome: 'notCharged' };
    if (!entry) {
      // A gateway error here (still down) fails the activity; the workflow looks again later.
      const payment = await deps.gateway.getPaymentByOrderId(input.orderId);
      const status = chargeStatusOf(payment);
      if (status === 'notCharged' || !payment) return { outcome: 'notCharged' };
      if (status === 'notFinal') throw ApplicationFailure.retryable(`order ${input.orderId} is still ${payment.status} at Toss`, 'PaymentNotFinal');
      entry = await recordApproved(deps.payments, input, payment);
    }

    // Our own void already ran (a retry after a crash): answer from its record.
    const voided = await deps.payments.refunds.get(refundId);
    if (voided) return { outcome: 'voided', charged: entry.amount, amount: voided.amount };
    // Refunded in full some other way (e.g. by hand in Toss's console): nothing left to give back.
    if ((entry.balanceAmount ?? entry.amount) === 0) return { outcome: 'voided', charged: entry.amount, amount: 0 };
    const result = await refund({
      subscriptionId: input.subscriptionId,
      paymentId: input.orderId,
      refundId,
      reason: `voided: the ${input.what} did not go on while this charge's outcome was unknown`.slice(0, 200),
      kind: 'void',
    });
    // Toss refused (retrying cannot change that): an operator has to look at it.
    if (result.outcome === 'refused') return { outcome: 'voidFailed', charged: entry.amount, reason: result.message };
    return { outcome: 'voided', charged: entry.amount, amount: result.refund.amount };
  };
}
