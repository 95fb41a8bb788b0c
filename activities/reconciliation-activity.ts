/**
 * Daily reconciliation's side effects (docs/reconciliation.md; the workflow is
 * workflows/reconciliation-workflow.ts): start a day's run, check the ledger orders of the day
 * page by page against the gateway (GET /v1/payments/orders/{orderId}), check the subscriptions'
 * orders that stayed unconfirmed for more than a day, finish the run. Every page is idempotent: a
 * retried page records the same mismatches again, in place.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Pool } from 'pg';
import { Temporal } from 'temporal-polyfill';
import type { PaymentsRepo } from '../src/db/payments-repo';
import {
  ReconciliationRepo,
  RunSuperseded,
  type Finding,
  type LedgerOrder,
  type MismatchKind,
  type ReconciliationRun,
  type UnsettledCharge,
} from '../src/db/reconciliation-repo';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import { TossApiError } from '../src/gateway/toss-api-error';
import type { TossPayment } from '../src/gateway/toss-types';
import { compareOrder, unsettledFinding, type GatewayAnswer } from './reconciliation-compare';

export interface ReconciliationDeps {
  gateway: PaymentGateway;
  /** The ledger. */
  payments: PaymentsRepo;
  /** The reconciliation tables; default a repo on `pool`. */
  reconciliation?: ReconciliationRepo;
  pool: Pool;
  /** Gateway lookups in flight at once per page (default 8): Toss rate-limits per merchant. */
  lookupConcurrency?: number;
  /** Wait before the second look at an order that disagreed (default 2 s): a refund may be between the gateway and the ledger. */
  recheckDelayMs?: number;
}

/** An unconfirmed order is reported once it is this old at the run's time. */
export const UNSETTLED_AFTER_MS = 24 * 3600_000;

export interface BeginReconciliationInput {
  /** Local date `YYYY-MM-DD`. */
  day: string;
  timeZone: string;
  /** The run's reference instant (the schedule's action time): unconfirmed orders older than a day before it are reported. */
  asOfMs: number;
  workflowId: string;
}

export interface ReconciliationWindow {
  pass: number;
  windowStart: string;
  windowEnd: string;
  unsettledBefore: string;
}

export interface LedgerPageInput {
  day: string;
  pass: number;
  windowStart: string;
  windowEnd: string;
  /** The last order id of the previous page; '' for the first. */
  after: string;
  limit: number;
  /** Orders checked by the earlier pages (the run row shows the progress). */
  checkedBefore: number;
}

export interface PageResult<C> {
  checked: number;
  mismatches: number;
  /** Where the next page starts; null after the last page. */
  next: C | null;
}

export interface UnsettledCursor {
  subscriptionId: string;
  orderId: string;
}

export interface UnsettledPageInput {
  day: string;
  pass: number;
  unsettledBefore: string;
  after: UnsettledCursor;
  limit: number;
  checkedBefore: number;
}

export interface FinishReconciliationInput {
  day: string;
  pass: number;
  status: 'completed' | 'failed';
  error?: string;
}

export interface FinishReconciliationResult {
  /** Null when the day was started again meanwhile (this run's result is not the day's). */
  run: ReconciliationRun | null;
  openByKind: Partial<Record<MismatchKind, number>>;
}

/** The instants a local day spans in `timeZone`: [start of the day, start of the next day). */
export function localDayWindow(day: string, timeZone: string): { startMs: number; endMs: number } {
  const date = Temporal.PlainDate.from(day, { overflow: 'reject' });
  return {
    startMs: date.toZonedDateTime({ timeZone }).epochMilliseconds,
    endMs: date.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds,
  };
}

/** `fn` over `items` with at most `limit` calls in flight, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Heartbeats are throttled by the SDK; outside an activity (unit tests) there is nothing to beat. */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}

export function createReconciliationActivities(deps: ReconciliationDeps) {
  let resolved: ReconciliationRepo | undefined;
  // Resolved on first use, so building the activities never fails for want of it.
  const reconciliation = (): ReconciliationRepo =>
    (resolved ??= deps.reconciliation ?? new ReconciliationRepo(deps.pool));
  const concurrency = deps.lookupConcurrency ?? 8;
  const recheckDelayMs = deps.recheckDelayMs ?? 2_000;

  /** The gateway's payment for an order, with two quick retries; then the error (Temporal retries the page). */
  async function lookUp(orderId: string): Promise<TossPayment | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.gateway.getPaymentByOrderId(orderId);
      } catch (error) {
        if (!(error instanceof TossApiError) || attempt >= 3) throw error;
        await sleep(250 * attempt);
      }
    }
  }

  async function answerFor(orderId: string): Promise<GatewayAnswer> {
    try {
      return { payment: await lookUp(orderId) };
    } catch (error) {
      if (error instanceof TossApiError) return { error: error.message };
      throw error;
    }
  }

  async function record(day: string, pass: number, findings: Finding[], progress: { checkedOrders?: number; checkedUnsettled?: number }) {
    try {
      await reconciliation().recordPage(day, pass, findings, progress);
    } catch (error) {
      if (error instanceof RunSuperseded) throw ApplicationFailure.nonRetryable(error.message, 'ReconciliationSuperseded');
      throw error;
    }
    for (const f of findings) {
      log.warn('reconciliation mismatch', { day, orderId: f.orderId, subscriptionId: f.subscriptionId, kind: f.kind, ledgerValue: f.ledgerValue, gatewayValue: f.gatewayValue, detail: f.detail });
    }
  }

  return {
    async beginReconciliation(input: BeginReconciliationInput): Promise<ReconciliationWindow> {
      const { startMs, endMs } = localDayWindow(input.day, input.timeZone);
      const window = {
        windowStart: new Date(startMs).toISOString(),
        windowEnd: new Date(endMs).toISOString(),
        unsettledBefore: new Date(input.asOfMs - UNSETTLED_AFTER_MS).toISOString(),
      };
      const { pass } = await reconciliation().begin({ day: input.day, timeZone: input.timeZone, workflowId: input.workflowId, ...window });
      log.info('reconciliation started', { day: input.day, pass, ...window });
      return { pass, ...window };
    },

    /** One page of the day's ledger orders against the gateway. */
    async reconcileLedgerPage(input: LedgerPageInput): Promise<PageResult<string>> {
      const orders = await reconciliation().ledgerPage({ windowStart: input.windowStart, windowEnd: input.windowEnd, after: input.after, limit: input.limit });
      let done = 0;
      const compare = async (order: LedgerOrder) => {
        let findings: Finding[];
        try {
          findings = compareOrder(order, await lookUp(order.orderId));
        } catch (error) {
          if (!(error instanceof TossApiError)) throw error;
          // The page is retried as a whole by Temporal; nothing of it is recorded yet.
          throw ApplicationFailure.retryable(`gateway lookup of ${order.orderId} failed: ${error.message}`, 'GatewayLookupFailed', { code: error.code });
        }
        heartbeat({ after: input.after, done: ++done });
        return { order, findings };
      };
      const first = await mapLimit(orders, concurrency, compare);
      // A second look at what disagreed: a charge or refund may have been between the gateway
      // and the ledger a moment ago. Only what still disagrees is recorded.
      const suspects = first.filter((r) => r.findings.length > 0).map((r) => r.order.orderId);
      let findings: Finding[] = [];
      if (suspects.length > 0) {
        await sleep(recheckDelayMs);
        const again = await mapLimit(suspects, concurrency, async (orderId) => {
          const order = await reconciliation().ledgerOrder(orderId);
          return order ? (await compare(order)).findings : [];
        });
        findings = again.flat();
      }
      await record(input.day, input.pass, findings, { checkedOrders: input.checkedBefore + orders.length });
      return { checked: orders.length, mismatches: findings.length, next: orders.length < input.limit ? null : orders.at(-1)!.orderId };
    },

    /** One page of orders the subscriptions have kept unconfirmed since before `unsettledBefore`. */
    async reconcileUnsettledPage(input: UnsettledPageInput): Promise<PageResult<UnsettledCursor>> {
      const orders = await reconciliation().unsettledPage({ before: input.unsettledBefore, after: input.after, limit: input.limit });
      let done = 0;
      const findings = await mapLimit(orders, concurrency, async (order: UnsettledCharge) => {
        const finding = order.ledgerStatus === null ? unsettledFinding(order, await answerFor(order.orderId)) : null;
        heartbeat({ after: input.after, done: ++done });
        return finding;
      });
      const found = findings.filter((f): f is Finding => f !== null);
      await record(input.day, input.pass, found, { checkedUnsettled: input.checkedBefore + orders.length });
      const last = orders.at(-1);
      return { checked: orders.length, mismatches: found.length, next: orders.length < input.limit || !last ? null : { subscriptionId: last.subscriptionId, orderId: last.orderId } };
    },

    async finishReconciliation(input: FinishReconciliationInput): Promise<FinishReconciliationResult> {
      const run = await reconciliation().finish(input.day, input.pass, { status: input.status, ...(input.error !== undefined ? { error: input.error } : {}) });
      const openByKind = run ? await reconciliation().openCounts(input.day) : {};
      if (run) {
        const line = { day: run.day, pass: run.pass, status: run.status, checkedOrders: run.checkedOrders, checkedUnsettled: run.checkedUnsettled, openMismatches: run.mismatchCount, openByKind };
        if (run.mismatchCount > 0 || run.status === 'failed') log.warn('reconciliation finished with open mismatches or an error', line);
        else log.info('reconciliation finished clean', line);
      }
      return { run, openByKind };
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
