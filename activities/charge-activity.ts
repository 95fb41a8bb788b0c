/**
 * Charging one attempt of one cycle, exactly once (docs/money-movement.md). The billing key is
 * resolved and decrypted here and nowhere else; the workflow only knows the payment-method id.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { CURRENCIES, isCurrency } from '../src/domain/money';
import type { ChargeOutcome, Decline, UnsettledOrder } from '../src/domain/subscription';
import { classifyTossError } from '../src/gateway/error-classification';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import { TossApiError } from '../src/gateway/toss-api-error';
import type { TossPayment } from '../src/gateway/toss-types';
import type { PaymentMethodsRepo } from '../src/db/payment-methods-repo';
import type { LedgerEntry, PaymentsRepo } from '../src/db/payments-repo';
import { chargeStatusOf, recordApproved } from './approved-payment';
import { paymentSummaryOf } from './charge-lookup-activity';

export interface ChargeInput {
  subscriptionId: string;
  customerKey: string;
  paymentMethodId: string;
  orderId: string;
  orderName: string;
  /** Minor units of `currency`. */
  amount: number;
  /** The plan's currency (ISO 4217); sent to Toss so a $2.00 plan is charged 200 cents, not ₩200. */
  currency: string;
  cycle: number;
  attempt: number;
  dueAtMs: number;
  /** Workflow time of this attempt. */
  attemptedAtMs: number;
  /** Earlier attempts of this cycle whose outcome stayed unknown: looked up before charging again. */
  unsettledOrders: UnsettledOrder[];
}

export interface ChargeDeps {
  gateway: PaymentGateway;
  paymentMethods: PaymentMethodsRepo;
  payments: PaymentsRepo;
}

const paid = (entry: LedgerEntry): ChargeOutcome => ({ outcome: 'paid', payment: paymentSummaryOf(entry) });

export function createChargeActivity(deps: ChargeDeps) {
  async function recordDone(input: ChargeInput, orderId: string, attempt: number, payment: TossPayment): Promise<ChargeOutcome> {
    return paid(await recordApproved(deps.payments, { ...input, orderId, attempt }, payment));
  }

  /** A charge Toss already approved for this order (a lost response, an earlier attempt). */
  async function alreadyPaid(input: ChargeInput, orderId: string, attempt: number): Promise<ChargeOutcome | null> {
    const payment = await deps.gateway.getPaymentByOrderId(orderId);
    const status = chargeStatusOf(payment);
    if (status === 'notFinal') throw ApplicationFailure.retryable(`order ${orderId} is still ${payment?.status} at Toss`, 'PaymentNotFinal');
    return payment && status === 'charged' ? recordDone(input, orderId, attempt, payment) : null;
  }

  return async function chargeSubscription(input: ChargeInput): Promise<ChargeOutcome> {
    const recorded = await deps.payments.get(input.orderId);
    // Paid once, whatever was refunded from it since.
    if (recorded && recorded.status !== 'DECLINED') return paid(recorded);
    if (recorded?.status === 'DECLINED') return declined(recorded.failureCode ?? 'UNKNOWN_ERROR', recorded.failureMessage ?? '');

    for (const order of input.unsettledOrders) {
      const found = await alreadyPaid(input, order.orderId, order.attempt);
      if (found) return found;
    }
    if (Context.current().info.attempt > 1) {
      const found = await alreadyPaid(input, input.orderId, input.attempt);
      if (found) return found;
    }

    // Toss would answer INVALID_REQUEST; saying why here spares a round trip and names the fix.
    if (!isCurrency(input.currency)) {
      return decline(input, 'merchant', 'INVALID_REQUEST', `unsupported currency ${input.currency}: plans may use ${CURRENCIES.join(', ')}`);
    }
    const currency = input.currency;

    const method = await deps.paymentMethods.revealBillingKey(input.paymentMethodId);
    if (!method) return decline(input, 'hard', 'NOT_FOUND_BILLING', 'payment method no longer exists');

    try {
      const payment = await deps.gateway.chargeBillingKey(
        method.billingKey,
        { customerKey: input.customerKey, amount: input.amount, currency, orderId: input.orderId, orderName: input.orderName },
        { idempotencyKey: input.orderId },
      );
      return recordDone(input, input.orderId, input.attempt, payment);
    } catch (error) {
      if (!(error instanceof TossApiError)) throw error;
      const cls = classifyTossError(error.code);
      if (cls === 'maybeProcessed') {
        const found = await alreadyPaid(input, input.orderId, input.attempt);
        if (found) return found;
      }
      if (cls === 'soft' || cls === 'hard' || cls === 'merchant') return decline(input, cls, error.code, error.message);
      // Unknown outcome: retried by Temporal with the same orderId and Idempotency-Key, after a lookup.
      throw ApplicationFailure.retryable(`charge outcome unknown: ${error.code}`, 'TransientGatewayError', { code: error.code });
    }
  };

  async function decline(input: ChargeInput, kind: Decline['kind'], code: string, message: string): Promise<ChargeOutcome> {
    await deps.payments.record({
      orderId: input.orderId,
      subscriptionId: input.subscriptionId,
      customerKey: input.customerKey,
      cycle: input.cycle,
      attempt: input.attempt,
      amount: input.amount,
      currency: input.currency,
      status: 'DECLINED',
      paymentKey: null,
      balanceAmount: null,
      failureCode: code,
      failureMessage: message,
      dueAt: new Date(input.dueAtMs).toISOString(),
      attemptedAt: new Date(input.attemptedAtMs).toISOString(),
      approvedAt: null,
    });
    return { outcome: 'declined', decline: { kind, code, message } };
  }

  function declined(code: string, message: string): ChargeOutcome {
    const cls = classifyTossError(code);
    const kind: Decline['kind'] = cls === 'hard' || cls === 'merchant' ? cls : 'soft';
    return { outcome: 'declined', decline: { kind, code, message } };
  }
}
