/** The billing metrics' shapes and failure handling, on canned figures (the SQL is tested on PostgreSQL in test/api/metrics.test.ts). */
import pino from 'pino';
import { Registry } from 'prom-client';
import type { BillingFigures } from '../../src/db/billing-metrics-repo';
import { chargeOutcomeOf, registerBillingMetrics } from '../../src/metrics/billing-metrics';
import { parsePrometheusText } from '../support/prometheus-text';

const FIGURES: BillingFigures = {
  chargeAttempts: [
    { approved: true, failureCode: null, count: 7 },
    { approved: false, failureCode: 'REJECT_CARD_PAYMENT', count: 2 },
    { approved: false, failureCode: 'EXCEED_MAX_AMOUNT', count: 1 },
    { approved: false, failureCode: 'INVALID_STOPPED_CARD', count: 3 },
    { approved: false, failureCode: 'INVALID_API_KEY', count: 1 },
    { approved: false, failureCode: 'GATEWAY_UNAVAILABLE', count: 4 },
  ],
  charged: [
    { currency: 'KRW', amount: 139_300 },
    { currency: 'USD', amount: 400 },
  ],
  refunded: [
    { currency: 'KRW', kind: 'refund', amount: 1_000 },
    { currency: 'KRW', kind: 'void', amount: 19_900 },
  ],
  subscriptionsByStatus: [
    { status: 'ACTIVE', count: 5 },
    { status: 'IN_GRACE_PERIOD', count: 2 },
  ],
  dunning: { inGracePeriod: 2, onHold: 1, retryPending: 2 },
  blocked: 1,
  mrr: [
    { currency: 'KRW', amount: 120_733 },
    { currency: 'USD', amount: 500 },
  ],
};

function setup(figures: () => Promise<BillingFigures>) {
  const registry = new Registry();
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  registerBillingMetrics(registry, { figures, logger });
  return { scrape: async () => parsePrometheusText(await registry.metrics()), registry, warnings };
}

test('a decline is classified by its code as the workflow classifies it: hard, merchant, else soft', () => {
  expect(chargeOutcomeOf({ approved: true, failureCode: null })).toBe('approved');
  expect(chargeOutcomeOf({ approved: false, failureCode: 'REJECT_CARD_PAYMENT' })).toBe('declined_soft');
  expect(chargeOutcomeOf({ approved: false, failureCode: 'INVALID_STOPPED_CARD' })).toBe('declined_hard');
  expect(chargeOutcomeOf({ approved: false, failureCode: 'INVALID_API_KEY' })).toBe('declined_merchant');
  // Unknown and transient codes count as soft declines (charge-activity.ts `declined`).
  expect(chargeOutcomeOf({ approved: false, failureCode: 'GATEWAY_UNAVAILABLE' })).toBe('declined_soft');
  expect(chargeOutcomeOf({ approved: false, failureCode: null })).toBe('declined_soft');
});

test('figures become counters and gauges, with every status and outcome present', async () => {
  const { scrape } = setup(async () => FIGURES);
  const m = await scrape();
  expect(m.types.get('subscriptions_charges_total')).toBe('counter');
  expect(m.types.get('subscriptions_charged_minor_units_total')).toBe('counter');
  expect(m.types.get('subscriptions_refunded_minor_units_total')).toBe('counter');
  expect(m.types.get('subscriptions_mrr_minor_units')).toBe('gauge');
  expect(m.value('subscriptions_billing_metrics_up')).toBe(1);
  expect(m.value('subscriptions_charges_total', { outcome: 'approved' })).toBe(7);
  expect(m.value('subscriptions_charges_total', { outcome: 'declined_soft' })).toBe(7);
  expect(m.value('subscriptions_charges_total', { outcome: 'declined_hard' })).toBe(3);
  expect(m.value('subscriptions_charges_total', { outcome: 'declined_merchant' })).toBe(1);
  expect(m.value('subscriptions_charged_minor_units_total', { currency: 'KRW' })).toBe(139_300);
  expect(m.value('subscriptions_charged_minor_units_total', { currency: 'USD' })).toBe(400);
  expect(m.value('subscriptions_refunded_minor_units_total', { currency: 'KRW', kind: 'void' })).toBe(19_900);
  expect(m.find('subscriptions_by_status')).toHaveLength(10);
  expect(m.value('subscriptions_by_status', { status: 'ACTIVE' })).toBe(5);
  expect(m.value('subscriptions_by_status', { status: 'PAUSED' })).toBe(0);
  expect(m.value('subscriptions_dunning', { phase: 'in_grace_period' })).toBe(2);
  expect(m.value('subscriptions_dunning', { phase: 'on_hold' })).toBe(1);
  expect(m.value('subscriptions_dunning', { phase: 'retry_pending' })).toBe(2);
  expect(m.value('subscriptions_blocked')).toBe(1);
  expect(m.value('subscriptions_mrr_minor_units', { currency: 'KRW' })).toBe(120_733);
});

test('values are the database\'s at each scrape, not accumulated across scrapes', async () => {
  let figures = FIGURES;
  const { scrape } = setup(async () => figures);
  await scrape();
  figures = { ...FIGURES, charged: [{ currency: 'KRW', amount: 159_200 }], mrr: [] };
  const m = await scrape();
  expect(m.value('subscriptions_charged_minor_units_total', { currency: 'KRW' })).toBe(159_200);
  expect(m.find('subscriptions_charged_minor_units_total')).toHaveLength(1);
  expect(m.find('subscriptions_mrr_minor_units')).toHaveLength(0);
});

test('one scrape reads the figures once, however many metrics use them', async () => {
  let reads = 0;
  const { scrape } = setup(async () => {
    reads++;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return FIGURES;
  });
  await scrape();
  expect(reads).toBe(1);
  await scrape();
  expect(reads).toBe(2);
});

test('a database failure: up 0, billing series left out, a warning; the next scrape recovers', async () => {
  let failing = true;
  const { scrape, warnings } = setup(async () => {
    if (failing) throw new Error('connection refused');
    return FIGURES;
  });
  const down = await scrape();
  expect(down.value('subscriptions_billing_metrics_up')).toBe(0);
  expect(down.find('subscriptions_charges_total')).toHaveLength(0);
  expect(down.find('subscriptions_by_status')).toHaveLength(0);
  expect(down.find('subscriptions_mrr_minor_units')).toHaveLength(0);
  expect(down.find('subscriptions_blocked')).toHaveLength(0);
  expect(down.types.get('subscriptions_blocked')).toBe('gauge');
  expect(warnings).toEqual(['billing metrics could not be read from PostgreSQL']);
  failing = false;
  const up = await scrape();
  expect(up.value('subscriptions_billing_metrics_up')).toBe(1);
  expect(up.value('subscriptions_charges_total', { outcome: 'approved' })).toBe(7);
});
