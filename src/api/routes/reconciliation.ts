/**
 * Daily reconciliation's results (docs/reconciliation.md), read-only: the runs, latest day first,
 * and one day's run with its mismatches. Any key may read them (`read` right included).
 */
import { Router } from 'express';
import { z } from 'zod';
import { parseLocalDate } from '../../domain/local-date';
import { ReconciliationRepo, type Mismatch, type ReconciliationRun } from '../../db/reconciliation-repo';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { limitParam } from '../schemas';
import { parse } from '../validate';

export const listRunsQuery = z.strictObject({ limit: limitParam(200, 30) });
export const runQuery = z.strictObject({ limit: limitParam(1000, 1000) });
export const DAY = z.string().refine((text) => parseLocalDate(text) !== null, 'day: a real date YYYY-MM-DD');

export const runView = (run: ReconciliationRun) => ({
  day: run.day,
  timeZone: run.timeZone,
  status: run.status,
  pass: run.pass,
  workflowId: run.workflowId,
  window: { start: run.windowStart, end: run.windowEnd },
  unsettledBefore: run.unsettledBefore,
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  checkedOrders: run.checkedOrders,
  checkedUnsettled: run.checkedUnsettled,
  mismatchCount: run.mismatchCount,
  error: run.error,
});

export const mismatchView = (m: Mismatch) => ({
  id: m.id,
  orderId: m.orderId,
  subscriptionId: m.subscriptionId,
  paymentKey: m.paymentKey,
  kind: m.kind,
  ledgerValue: m.ledgerValue,
  gatewayValue: m.gatewayValue,
  detail: m.detail,
  detectedAt: m.detectedAt,
  lastSeenAt: m.lastSeenAt,
  resolvedAt: m.resolvedAt,
});

export function reconciliationRoutes(deps: ApiDeps): Router {
  const router = Router();
  const repo = new ReconciliationRepo(deps.pool);

  router.get('/v1/reconciliation/runs', async (req, res) => {
    const query = parse(listRunsQuery, req.query, 'query');
    res.json({ runs: (await repo.listRuns(query.limit)).map(runView) });
  });

  router.get('/v1/reconciliation/runs/:day', async (req, res) => {
    const day = parse(DAY, req.params.day, 'day');
    const query = parse(runQuery, req.query, 'query');
    const run = await repo.getRun(day);
    if (!run) throw new HttpProblem(404, 'not-found', `no reconciliation run for ${day}; the schedule reconciles each day at 04:00 the next morning, or run npm run reconcile -- --day ${day}`);
    // One more than asked tells whether there are more.
    const mismatches = await repo.mismatches(day, query.limit + 1);
    res.json({
      run: runView(run),
      mismatches: mismatches.slice(0, query.limit).map(mismatchView),
      truncated: mismatches.length > query.limit,
    });
  });

  return router;
}
