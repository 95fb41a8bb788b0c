/**
 * Daily reconciliation (docs/reconciliation.md): compares one local day of the ledger with the
 * gateway and records every mismatch (reconciliation_runs / reconciliation_mismatches, a log
 * line, the `subscriptions_reconciliation_mismatches` gauge). The Schedule `daily-reconciliation`
 * (src/temporal/reconciliation-schedule.ts) starts it every day at 04:00 Asia/Seoul; `npm run
 * reconcile -- --day YYYY-MM-DD` starts it by hand.
 *
 * Which day, deterministically: an explicit `day`, else the local day before the schedule's action
 * time — the `TemporalScheduledStartTime` search attribute the Schedule sets on the workflow, which
 * is the nominal 04:00 even when the run is a late catch-up — else the day before the workflow's
 * start. Both come from the first history event, so a replay computes the same day; a continued
 * run carries the day in its input.
 *
 * Bounded history: one activity per page of 200 orders (about six events), and a new run (continue
 * as new, carrying the cursor and the counters) every 400 pages or when the server suggests it.
 */
import { ActivityFailure, ApplicationFailure, ContinueAsNew, continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { Temporal } from 'temporal-polyfill';
import type { ReconciliationActivities, UnsettledCursor } from '../activities/reconciliation-activity';
import { DEFAULT_TIME_ZONE } from '../src/domain/calendar';

/** Set by the server on every workflow a Schedule starts: the action's nominal time. */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export const RECONCILIATION_PAGE_SIZE = 200;
/** Pages per workflow run before it continues as new. */
export const PAGES_PER_RUN = 400;

export interface ReconciliationInput {
  /** The local day `YYYY-MM-DD`; default the day before the schedule's action time (see above). */
  day?: string;
  /** IANA zone of the day; default Asia/Seoul, the product's default. */
  timeZone?: string;
  /** Orders per activity call (1–1000); default 200. */
  pageSize?: number;
  /** Pages per workflow run before it continues as new; default 400 (tests use a small one). */
  pagesPerRun?: number;
  /** Where a continued run resumes; never set by callers. */
  progress?: ReconciliationProgress;
}

export interface ReconciliationProgress {
  day: string;
  timeZone: string;
  asOfMs: number;
  pass: number;
  windowStart: string;
  windowEnd: string;
  unsettledBefore: string;
  phase: 'ledger' | 'unsettled' | 'done';
  ledgerAfter: string;
  unsettledAfter: UnsettledCursor;
  checkedOrders: number;
  checkedUnsettled: number;
  /** Mismatches recorded by this pass (open mismatches of the day are in the result). */
  found: number;
}

export interface ReconciliationResult {
  day: string;
  timeZone: string;
  /** `superseded`: the same day was started again while this ran; that run's result is the day's. */
  status: 'completed' | 'superseded';
  pass: number;
  window: { start: string; end: string };
  unsettledBefore: string;
  checkedOrders: number;
  checkedUnsettled: number;
  /** The day's open mismatches after this run, in total and per kind. */
  openMismatches: number;
  openByKind: Record<string, number>;
}

const { beginReconciliation, finishReconciliation } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * A page looks up to 200 orders at the gateway, 8 at a time, with a second look at what disagreed.
 * It heartbeats per order; a gateway that keeps failing fails the page, which is retried for about
 * 20 minutes (the page is idempotent) before the run is marked failed.
 */
const { reconcileLedgerPage, reconcileUnsettledPage } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8, nonRetryableErrorTypes: ['ReconciliationSuperseded'] },
});

/** The local date of `ms` in `timeZone`, minus one day: the day a run at that instant reconciles. */
export function previousLocalDay(ms: number, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate().subtract({ days: 1 }).toString();
}

function scheduledStartMs(): number | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  if (typed instanceof Date && !Number.isNaN(typed.getTime())) return typed.getTime();
  // Servers that send the attribute without its type metadata: the untyped map has it.
  const untyped = (info.searchAttributes as Record<string, unknown[] | undefined> | undefined)?.TemporalScheduledStartTime?.[0];
  const ms = untyped instanceof Date ? untyped.getTime() : typeof untyped === 'string' ? Date.parse(untyped) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function validDay(day: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    try {
      return Temporal.PlainDate.from(day, { overflow: 'reject' }).toString();
    } catch {
      // reported below
    }
  }
  throw ApplicationFailure.nonRetryable(`day must be a real local date YYYY-MM-DD, got ${JSON.stringify(day)}`, 'InvalidReconciliationInput');
}

function validTimeZone(timeZone: string): string {
  try {
    Temporal.PlainDate.from('2000-01-01').toZonedDateTime({ timeZone });
    return timeZone;
  } catch {
    throw ApplicationFailure.nonRetryable(`unknown time zone ${JSON.stringify(timeZone)}`, 'InvalidReconciliationInput');
  }
}

const messageOf = (error: unknown): string =>
  error instanceof ActivityFailure && error.cause ? error.cause.message : error instanceof Error ? error.message : String(error);

const superseded = (error: unknown): boolean =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'ReconciliationSuperseded';

export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<ReconciliationResult> {
  const pageSize = Math.min(Math.max(Math.floor(input.pageSize ?? RECONCILIATION_PAGE_SIZE), 1), 1000);
  let p: ReconciliationProgress;
  if (input.progress) {
    p = { ...input.progress };
  } else {
    const timeZone = validTimeZone(input.timeZone ?? DEFAULT_TIME_ZONE);
    const scheduled = scheduledStartMs();
    const asOfMs = scheduled ?? workflowInfo().startTime.getTime();
    const day = input.day !== undefined ? validDay(input.day) : previousLocalDay(asOfMs, timeZone);
    const begun = await beginReconciliation.executeWithOptions({ summary: `begin reconciliation of ${day} (${timeZone})` }, [
      { day, timeZone, asOfMs, workflowId: workflowInfo().workflowId },
    ]);
    p = {
      day,
      timeZone,
      asOfMs,
      ...begun,
      phase: 'ledger',
      ledgerAfter: '',
      unsettledAfter: { subscriptionId: '', orderId: '' },
      checkedOrders: 0,
      checkedUnsettled: 0,
      found: 0,
    };
  }

  let pagesThisRun = 0;
  const continueIfLong = async () => {
    if (pagesThisRun >= (input.pagesPerRun ?? PAGES_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof reconciliationWorkflow>({ ...input, progress: p });
    }
  };

  try {
    while (p.phase === 'ledger') {
      await continueIfLong();
      const page = await reconcileLedgerPage.executeWithOptions(
        { summary: `ledger orders of ${p.day} after ${p.ledgerAfter || 'the start'}` },
        [{ day: p.day, pass: p.pass, windowStart: p.windowStart, windowEnd: p.windowEnd, after: p.ledgerAfter, limit: pageSize, checkedBefore: p.checkedOrders }],
      );
      pagesThisRun++;
      p = { ...p, checkedOrders: p.checkedOrders + page.checked, found: p.found + page.mismatches };
      if (page.next === null) p.phase = 'unsettled';
      else p.ledgerAfter = page.next;
    }
    while (p.phase === 'unsettled') {
      await continueIfLong();
      const page = await reconcileUnsettledPage.executeWithOptions(
        { summary: `orders unconfirmed since before ${p.unsettledBefore}` },
        [{ day: p.day, pass: p.pass, unsettledBefore: p.unsettledBefore, after: p.unsettledAfter, limit: pageSize, checkedBefore: p.checkedUnsettled }],
      );
      pagesThisRun++;
      p = { ...p, checkedUnsettled: p.checkedUnsettled + page.checked, found: p.found + page.mismatches };
      if (page.next === null) p.phase = 'done';
      else p.unsettledAfter = page.next;
    }
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (superseded(error)) return result(p, 'superseded', 0, {});
    const message = messageOf(error);
    await finishReconciliation.executeWithOptions({ summary: `mark the reconciliation of ${p.day} failed` }, [{ day: p.day, pass: p.pass, status: 'failed', error: message }]);
    log.warn('reconciliation failed', { day: p.day, pass: p.pass, error: message });
    throw ApplicationFailure.nonRetryable(`reconciliation of ${p.day} failed: ${message}`, 'ReconciliationFailed');
  }

  const finished = await finishReconciliation.executeWithOptions({ summary: `finish the reconciliation of ${p.day}` }, [{ day: p.day, pass: p.pass, status: 'completed' }]);
  if (!finished.run) return result(p, 'superseded', 0, {});
  const openByKind = finished.openByKind as Record<string, number>;
  if (finished.run.mismatchCount > 0) {
    log.warn('reconciliation found mismatches', { day: p.day, openMismatches: finished.run.mismatchCount, openByKind });
  }
  return result(p, 'completed', finished.run.mismatchCount, openByKind);
}

function result(p: ReconciliationProgress, status: ReconciliationResult['status'], openMismatches: number, openByKind: Record<string, number>): ReconciliationResult {
  return {
    day: p.day,
    timeZone: p.timeZone,
    status,
    pass: p.pass,
    window: { start: p.windowStart, end: p.windowEnd },
    unsettledBefore: p.unsettledBefore,
    checkedOrders: p.checkedOrders,
    checkedUnsettled: p.checkedUnsettled,
    openMismatches,
    openByKind,
  };
}
