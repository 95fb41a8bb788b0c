/**
 * Reconciling an immediate purchase the gateway never confirmed (purchase-reconciliation.ts).
 * The operation was refused, so a charge found at Toss is recorded and then voided in full through
 * the refund path, with the deterministic refund id `<orderId>-void`: a retry never refunds twice.
 */
import type { PurchaseSettlement } from '../src/domain/purchase-reconciliation';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import type { PaymentsRepo } from '../src/db/payments-repo';
import { recordApproved, type OrderContext } from './approved-payment';
import { createRefundActivity } from './refund-activity';

export interface SettlePurchaseInput extends OrderContext {
  what: string;
}

export interface SettlePurchaseDeps {
  gateway: PaymentGateway;
  payments: PaymentsRepo;
}

/** Statuses of an order that never took money (Toss's payment statuses). */
const NOT_CHARGED = new Set(['ABORTED', 'EXPIRED', 'READY', 'IN_PROGRESS', 'WAITING_FOR_DEPOSIT']);

export const voidRefundIdFor = (orderId: string) => `${orderId}-void`;

export function createSettlePurchaseActivity(deps: SettlePurchaseDeps) {
  const refund = createRefundActivity(deps);

  return async function settlePurchase(input: SettlePurchaseInput): Promise<PurchaseSettlement> {
    const refundId = voidRefundIdFor(input.orderId);
    let recorded = await deps.payments.get(input.orderId);
    if (!recorded) {
      // A gateway error here (still down) fails the activity; the workflow looks again later.
      const payment = await deps.gateway.getPaymentByOrderId(input.orderId);
      if (!payment || NOT_CHARGED.has(payment.status)) return { outcome: 'notCharged' };
      recorded = await recordApproved(deps.payments, input, payment);
    }
    const result = await refund({
      subscriptionId: input.subscriptionId,
      paymentId: input.orderId,
      refundId,
      reason: `voided: the ${input.what} was refused while this charge's outcome was unknown`.slice(0, 200),
      kind: 'void',
    });
    return { outcome: 'voided', amount: result.amount, refundId };
  };
}
