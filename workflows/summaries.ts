/** One-line texts for the Web UI's timer and activity summaries (SPEC §5). */
import { formatLocal } from '../src/domain/calendar';
import { formatMoney } from '../src/domain/money';
import { chargeFor, type SubscriptionEvent, type SubscriptionState } from '../src/domain/subscription';

export function chargeSummary(s: SubscriptionState): string {
  const { cycle, attempt, amount } = chargeFor(s);
  const retry = attempt > 1 ? ` attempt ${attempt}` : '';
  return `charge renewal #${cycle}${retry} ${formatMoney(amount, s.plan.currency)} (${s.plan.name})`;
}

export function waitSummary(event: SubscriptionEvent, s: SubscriptionState): string {
  const at = formatLocal(event.atMs, s.anchor.timeZone);
  const price = formatMoney(s.plan.price, s.plan.currency);
  switch (event.kind) {
    case 'charge':
      return `charge now ${price}`;
    case 'renew':
      return `renewal #${s.cycle + 1} ${price} on ${at}`;
    case 'retry':
      return `retry renewal #${s.cycle} ${price} on ${at}`;
    case 'enterHold':
      return `grace period ends, account hold on ${at}`;
    case 'expire':
      return `expires on ${at} (${event.cause})`;
  }
}
