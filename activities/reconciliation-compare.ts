/**
 * What daily reconciliation (docs/reconciliation.md) compares, order by order: the ledger's row
 * and refunds against the gateway's payment for the same orderId. Pure: no I/O, so the rules are
 * tested on their own and the activity only fetches and records.
 */
import type { Finding, LedgerOrder, UnsettledCharge } from '../src/db/reconciliation-repo';
import type { TossPayment } from '../src/gateway/toss-types';
import { chargeStatusOf } from './approved-payment';

/** What the gateway says was given back from a payment. */
export const gatewayRefunded = (payment: TossPayment): number => payment.totalAmount - payment.balanceAmount;

const gatewayStatusText = (payment: TossPayment | null): string => (payment === null ? 'NOT_FOUND' : payment.status);

/**
 * The mismatches between one ledger order and the gateway's answer for it (null: no such order
 * at the gateway). Each kind is reported once per order:
 * - `status`: the ledger and the gateway disagree on whether the order took money (a decline the
 *   gateway approved, an approval the gateway aborted or has not finished);
 * - `missing-at-gateway`: the ledger has an approved charge the gateway does not know;
 * - `amount`, `currency`: the charge itself differs;
 * - `refund-amount`: the refunds rows add up to something else than the gateway's cancels
 *   (a refund made in Toss's console, or one the ledger never booked). The ledger's CANCELED /
 *   PARTIAL_CANCELED status follows its refunds, so it is covered here, not as `status`.
 */
export function compareOrder(ledger: LedgerOrder, payment: TossPayment | null): Finding[] {
  const base = { orderId: ledger.orderId, subscriptionId: ledger.subscriptionId, paymentKey: ledger.paymentKey ?? payment?.paymentKey ?? null };
  const atGateway = chargeStatusOf(payment);
  if (ledger.status === 'DECLINED') {
    if (atGateway === 'notCharged') return [];
    return [
      {
        ...base,
        kind: 'status',
        ledgerValue: 'DECLINED',
        gatewayValue: gatewayStatusText(payment),
        detail: `the ledger booked a decline (${ledger.failureCode ?? 'no code'}) but the gateway has the order ${payment!.status} for ${payment!.totalAmount} ${payment!.currency}`,
      },
    ];
  }
  if (payment === null) {
    return [
      {
        ...base,
        kind: 'missing-at-gateway',
        ledgerValue: ledger.status,
        gatewayValue: 'NOT_FOUND',
        detail: `the ledger has an approved charge of ${ledger.amount} ${ledger.currency} but the gateway has no payment for this order id`,
      },
    ];
  }
  if (atGateway !== 'charged') {
    return [
      {
        ...base,
        kind: 'status',
        ledgerValue: ledger.status,
        gatewayValue: payment.status,
        detail: `the ledger has an approved charge of ${ledger.amount} ${ledger.currency} but the gateway's payment is ${payment.status}`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (ledger.amount !== payment.totalAmount) {
    findings.push({
      ...base,
      kind: 'amount',
      ledgerValue: String(ledger.amount),
      gatewayValue: String(payment.totalAmount),
      detail: `the ledger charged ${ledger.amount} ${ledger.currency}, the gateway ${payment.totalAmount} ${payment.currency}`,
    });
  }
  if (ledger.currency !== payment.currency) {
    findings.push({
      ...base,
      kind: 'currency',
      ledgerValue: ledger.currency,
      gatewayValue: payment.currency,
      detail: `the ledger's currency is ${ledger.currency}, the gateway's ${payment.currency}`,
    });
  }
  const refunded = gatewayRefunded(payment);
  if (ledger.refunded !== refunded) {
    const cancels = payment.cancels?.length ?? 0;
    findings.push({
      ...base,
      kind: 'refund-amount',
      ledgerValue: String(ledger.refunded),
      gatewayValue: String(refunded),
      detail: `the ledger's ${ledger.refundCount} refund(s) give back ${ledger.refunded} ${ledger.currency}, the gateway's ${cancels} cancel(s) ${refunded} (${payment.status}, balance ${payment.balanceAmount})`,
    });
  }
  return findings;
}

/** The gateway's answer for an unconfirmed order: its payment (null: none), or why it could not be asked. */
export type GatewayAnswer = { payment: TossPayment | null } | { error: string };

/**
 * An order a subscription has kept unconfirmed for more than a day. Whatever the gateway says,
 * it is reported: the workflow's own lookups should have settled it long ago. When the gateway has
 * taken the money it is `missing-in-ledger` (the customer paid and the ledger does not show it),
 * otherwise `unsettled-order` with the gateway's answer. Null when the ledger has the order after
 * all (the snapshot lags behind it; the day's ledger pages compare it).
 */
export function unsettledFinding(order: UnsettledCharge, answer: GatewayAnswer): Finding | null {
  if (order.ledgerStatus !== null) return null;
  const since = order.attemptedAt ?? 'an unrecorded time';
  const what = order.what === 'purchase' ? 'immediate purchase' : 'charge';
  const amount = order.amount === null ? 'an unknown amount' : `${order.amount}${order.currency ? ` ${order.currency}` : ''}`;
  const base = { orderId: order.orderId, subscriptionId: order.subscriptionId, ledgerValue: 'UNCONFIRMED' };
  if ('error' in answer) {
    return {
      ...base,
      paymentKey: null,
      kind: 'unsettled-order',
      gatewayValue: 'LOOKUP_FAILED',
      detail: `${what} of ${amount} unconfirmed since ${since}; the gateway lookup failed: ${answer.error}`,
    };
  }
  const { payment } = answer;
  if (payment && chargeStatusOf(payment) === 'charged') {
    return {
      ...base,
      paymentKey: payment.paymentKey,
      kind: 'missing-in-ledger',
      gatewayValue: `${payment.status} ${payment.totalAmount}`,
      detail: `${what} of ${amount} unconfirmed since ${since}, but the gateway took ${payment.totalAmount} ${payment.currency} (${payment.status}) and the ledger has no row`,
    };
  }
  return {
    ...base,
    paymentKey: payment?.paymentKey ?? null,
    kind: 'unsettled-order',
    gatewayValue: gatewayStatusText(payment),
    detail: `${what} of ${amount} unconfirmed since ${since}; the gateway answers ${gatewayStatusText(payment)}, yet the subscription still waits for it`,
  };
}
