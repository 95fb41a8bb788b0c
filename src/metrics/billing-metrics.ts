/**
 * Billing metrics, computed from PostgreSQL at scrape time (src/db/billing-metrics-repo.ts): the
 * same numbers from every API process, kept across restarts. Totals that only grow in the ledger
 * (charge attempts, amounts charged and refunded) are counters; the rest are gauges. Amounts are in
 * the currency's minor units (KRW won, USD cents).
 *
 * Every API process reports the same database-wide values: aggregate across instances with `max`,
 * never `sum` (docs/grafana/subscription-orchestrator.json does).
 *
 * If the queries fail, `subscriptions_billing_metrics_up` is 0, the billing series are left out of
 * that scrape (a dashboard shows a gap, never a stale or made-up number) and the failure is logged;
 * HTTP and process metrics are still served.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BillingFigures } from '../db/billing-metrics-repo';
import { MISMATCH_KINDS, RUN_STATUSES } from '../db/reconciliation-repo';
import { SUBSCRIPTION_STATUSES } from '../domain/subscription-status';
import { classifyTossError } from '../gateway/error-classification';
import { METRIC_PREFIX } from './prefix';

/** A charge attempt's outcome label. A decline's kind follows its code, as the workflow classifies it. */
export const CHARGE_OUTCOMES = ['approved', 'declined_soft', 'declined_hard', 'declined_merchant'] as const;
export type ChargeOutcome = (typeof CHARGE_OUTCOMES)[number];

export function chargeOutcomeOf(attempt: { approved: boolean; failureCode: string | null }): ChargeOutcome {
  if (attempt.approved) return 'approved';
  const cls = classifyTossError(attempt.failureCode ?? 'UNKNOWN_ERROR');
  return cls === 'hard' ? 'declined_hard' : cls === 'merchant' ? 'declined_merchant' : 'declined_soft';
}

export const DUNNING_PHASES = ['in_grace_period', 'on_hold', 'retry_pending'] as const;

/**
 * Registers the billing metrics on `registry`. `figures` is asked once per scrape: the metrics of
 * one scrape collect concurrently and share one answer.
 */
export function registerBillingMetrics(registry: Registry, options: { figures: () => Promise<BillingFigures>; logger: Logger }): void {
  let inFlight: Promise<BillingFigures | null> | undefined;
  const current = (): Promise<BillingFigures | null> =>
    (inFlight ??= options
      .figures()
      .catch((error: unknown) => {
        options.logger.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, 'billing metrics could not be read from PostgreSQL');
        return null;
      })
      .finally(() => {
        inFlight = undefined;
      }));

  const registers = [registry];

  new Gauge({
    name: `${METRIC_PREFIX}billing_metrics_up`,
    help: '1 when the billing metrics of this scrape were read from PostgreSQL, 0 when that failed (and they are left out)',
    registers,
    async collect() {
      this.set((await current()) ? 1 : 0);
    },
  });

  new Counter({
    name: `${METRIC_PREFIX}charges_total`,
    help: 'Charge attempts in the payments ledger, by outcome. Attempts whose outcome the gateway has not confirmed yet are not in the ledger until it does',
    labelNames: ['outcome'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (!figures) return;
      const counts = new Map<ChargeOutcome, number>(CHARGE_OUTCOMES.map((o) => [o, 0]));
      for (const attempt of figures.chargeAttempts) {
        const outcome = chargeOutcomeOf(attempt);
        counts.set(outcome, counts.get(outcome)! + attempt.count);
      }
      for (const [outcome, count] of counts) this.inc({ outcome }, count);
    },
  });

  new Counter({
    name: `${METRIC_PREFIX}charged_minor_units_total`,
    help: 'Sum of approved charges in the payments ledger, in minor units, by currency (refunds do not lower it)',
    labelNames: ['currency'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      for (const { currency, amount } of figures?.charged ?? []) this.inc({ currency }, amount);
    },
  });

  new Counter({
    name: `${METRIC_PREFIX}refunded_minor_units_total`,
    help: 'Sum of refunds the gateway made (refunds table), in minor units, by currency and kind (refund, revoke, void)',
    labelNames: ['currency', 'kind'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      for (const { currency, kind, amount } of figures?.refunded ?? []) this.inc({ currency, kind }, amount);
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}by_status`,
    help: 'Subscriptions by status (subscriptions projection)',
    labelNames: ['status'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (!figures) return;
      for (const status of SUBSCRIPTION_STATUSES) this.set({ status }, 0);
      for (const { status, count } of figures.subscriptionsByStatus) this.set({ status }, count);
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}dunning`,
    help: 'Subscriptions in dunning: in_grace_period and on_hold by status, retry_pending with a retry of the unpaid renewal scheduled',
    labelNames: ['phase'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (!figures) return;
      const { inGracePeriod, onHold, retryPending } = figures.dunning;
      this.set({ phase: 'in_grace_period' }, inGracePeriod);
      this.set({ phase: 'on_hold' }, onHold);
      this.set({ phase: 'retry_pending' }, retryPending);
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}blocked`,
    help: 'Subscriptions whose charges are blocked by a merchant-side gateway error until an operator retries',
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (figures) this.set(figures.blocked);
      else this.remove(); // no sample rather than a 0 that would look like a fact
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}mrr_minor_units`,
    help: 'Monthly recurring revenue in minor units, by currency: entitled subscriptions at their plan price normalised to a month (yearly/12, N-month/N, weekly*52/12, daily*365/12), summed exactly and rounded half up once per currency',
    labelNames: ['currency'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      for (const { currency, amount } of figures?.mrr ?? []) this.set({ currency }, amount);
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}reconciliation_mismatches`,
    help: 'Open mismatches daily reconciliation found between the ledger and the gateway, by kind (each order once per kind, whichever days reported it); all 0 when clean (docs/reconciliation.md)',
    labelNames: ['kind'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (!figures?.reconciliation) return;
      for (const kind of MISMATCH_KINDS) this.set({ kind }, 0);
      for (const { kind, count } of figures.reconciliation.openMismatches) this.set({ kind }, count);
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}reconciliation_days`,
    help: 'Reconciled days by the status of their latest run: running, completed, failed',
    labelNames: ['status'],
    registers,
    async collect() {
      const figures = await current();
      this.reset();
      if (!figures?.reconciliation) return;
      for (const status of RUN_STATUSES) this.set({ status }, 0);
      for (const { status, count } of figures.reconciliation.days) this.set({ status }, count);
    },
  });
}
