/**
 * Looking up one charge attempt whose outcome the gateway never confirmed (money-movement.ts):
 * the ledger first, then Toss by orderId. A charge that went through is written to the ledger
 * here, so the workflow can count it as paid. A gateway that still does not answer fails the
 * activity; the workflow asks again on its backoff.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ChargeLookup, PaymentSummary } from '../src/domain/subscription';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import type { LedgerEntry, PaymentsRepo } from '../src/db/payments-repo';
import { chargeStatusOf, recordApproved, type OrderContext } from './approved-payment';

export interface ChargeLookupDeps {
  gateway: PaymentGateway;
  payments: PaymentsRepo;
}

export const paymentSummaryOf = (entry: LedgerEntry): PaymentSummary => ({
  paymentId: entry.orderId,
  orderId: entry.orderId,
  amount: entry.amount,
  approvedAtMs: Date.parse(entry.approvedAt ?? entry.createdAt),
  cycle: entry.cycle,
});

export function createChargeLookupActivity(deps: ChargeLookupDeps) {
  return async function lookUpCharge(input: OrderContext): Promise<ChargeLookup> {
    const recorded = await deps.payments.get(input.orderId);
    if (recorded?.status === 'DECLINED') return { outcome: 'notCharged' };
    if (recorded) return { outcome: 'paid', payment: paymentSummaryOf(recorded) };
    const payment = await deps.gateway.getPaymentByOrderId(input.orderId);
    const status = chargeStatusOf(payment);
    if (status === 'notCharged' || !payment) return { outcome: 'notCharged' };
    if (status === 'notFinal') throw ApplicationFailure.retryable(`order ${input.orderId} is still ${payment.status} at Toss`, 'PaymentNotFinal');
    return { outcome: 'paid', payment: paymentSummaryOf(await recordApproved(deps.payments, input, payment)) };
  };
}
