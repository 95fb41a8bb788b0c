/** One-line texts for the Web UI's timer and activity summaries (README, Architecture). */
import { formatLocal } from '../src/domain/calendar';
import { formatMoney, type Currency } from '../src/domain/money';
import type { ChargeEffect } from '../src/domain/money-movement';
import { periodPrice, type SubscriptionEvent, type SubscriptionState, type UnsettledPurchase } from '../src/domain/subscription';

export function chargeSummary({ cycle, attempt, amount }: ChargeEffect, s: SubscriptionState): string {
  const retry = attempt > 1 ? ` attempt ${attempt}` : '';
  return `charge renewal #${cycle}${retry} ${formatMoney(amount, s.plan.currency)} (${s.plan.name})`;
}

export function purchaseSummary(what: string, amount: number, currency: Currency): string {
  return `charge ${what} ${formatMoney(amount, currency)} now`;
}

export function refundSummary(kind: 'refund' | 'revoke', paymentId: string, amount: number | undefined, currency: Currency): string {
  const how = amount === undefined ? 'full balance' : formatMoney(amount, currency);
  return `${kind === 'revoke' ? 'revoke: refund' : 'refund'} ${how} of ${paymentId}`;
}

const unconfirmed = (order: UnsettledPurchase, currency: Currency) =>
  `unconfirmed ${order.what} charge ${formatMoney(order.amount, currency)} (${order.orderId})`;

export function settleSummary(order: UnsettledPurchase, currency: Currency): string {
  return `look up ${unconfirmed(order, currency)}; void it if it went through`;
}

export function waitSummary(event: SubscriptionEvent, s: SubscriptionState): string {
  const at = formatLocal(event.atMs, s.anchor.timeZone);
  const plan = event.kind === 'renew' && s.pendingChange ? s.pendingChange.plan : s.plan;
  const price = formatMoney(event.kind === 'renew' && s.pendingChange ? plan.price : periodPrice(s), plan.currency);
  switch (event.kind) {
    case 'charge':
      return `charge ${price} on ${at}`;
    case 'renew':
      return `renewal #${s.cycle + 1} ${price}${s.pendingChange ? ` (now ${plan.name})` : ''} on ${at}`;
    case 'retry':
      return `retry renewal #${s.cycle} ${price} on ${at}`;
    case 'trialNotice':
      return `trial-end notice${s.trialEndsAtMs === null ? '' : ` (trial ends ${formatLocal(s.trialEndsAtMs, s.anchor.timeZone)})`} on ${at}`;
    case 'enterHold':
      return `grace period ends, account hold on ${at}`;
    case 'pause':
      return `pause starts on ${at}`;
    case 'resume':
      return `resume and charge ${price} on ${at}`;
    case 'expire':
      return `expires on ${at} (${event.cause})`;
    case 'reconcile': {
      const order = s.unsettledPurchases.find((p) => p.orderId === event.orderId);
      return `look up the ${order ? unconfirmed(order, s.plan.currency) : `unconfirmed charge (${event.orderId})`} on ${at}`;
    }
    case 'lookupCharge':
      return `look up unconfirmed charge ${event.orderId} on ${at}`;
    case 'resendRefund': {
      const refund = s.pendingRefunds.find((r) => r.refundId === event.refundId);
      return `resend unconfirmed refund ${refund ? `${formatMoney(refund.amount, s.plan.currency)} ` : ''}(${event.refundId}) on ${at}`;
    }
  }
}
