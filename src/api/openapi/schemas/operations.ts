/** The answers of the calendar preview, reconciliation, the test clock and the health check. */
import { z } from 'zod';
import { INTERVAL_UNITS } from '../../../domain/calendar';
import { MISMATCH_KINDS, RUN_STATUSES } from '../../../db/reconciliation-repo';
import type { mismatchView, runView } from '../../routes/reconciliation';
import { sameType } from '../same-type';
import { INSTANT } from './common';

export const schedulePreview = z
  .object({
    timeZone: z.string(),
    anchor: z.string().meta({ example: '2027-01-31T09:00' }),
    interval: z.object({ unit: z.enum(INTERVAL_UNITS), count: z.number().int() }),
    instants: z.array(INSTANT).meta({ description: 'The billing instants, computed by the function the workflow uses' }),
  })
  .meta({ id: 'SchedulePreview' });

export const reconciliationRun = z
  .object({
    day: z.string().meta({ format: 'date' }),
    timeZone: z.string(),
    status: z.enum(RUN_STATUSES),
    pass: z.number().int(),
    workflowId: z.string().nullable(),
    window: z.object({ start: INSTANT, end: INSTANT }),
    unsettledBefore: INSTANT,
    startedAt: INSTANT,
    finishedAt: INSTANT.nullable(),
    checkedOrders: z.number().int(),
    checkedUnsettled: z.number().int(),
    mismatchCount: z.number().int(),
    error: z.string().nullable(),
  })
  .meta({ id: 'ReconciliationRun' });
sameType<z.output<typeof reconciliationRun>, ReturnType<typeof runView>>(true);

const mismatch = z
  .object({
    id: z.number().int(),
    orderId: z.string(),
    subscriptionId: z.string().nullable(),
    paymentKey: z.string().nullable(),
    kind: z.enum(MISMATCH_KINDS),
    ledgerValue: z.string().nullable(),
    gatewayValue: z.string().nullable(),
    detail: z.string(),
    detectedAt: INSTANT,
    lastSeenAt: INSTANT,
    resolvedAt: INSTANT.nullable(),
  })
  .meta({ id: 'ReconciliationMismatch' });
sameType<z.output<typeof mismatch>, ReturnType<typeof mismatchView>>(true);

export const reconciliationRunList = z.object({ runs: z.array(reconciliationRun) }).meta({ id: 'ReconciliationRunList' });
export const reconciliationDay = z
  .object({ run: reconciliationRun, mismatches: z.array(mismatch), truncated: z.boolean() })
  .meta({ id: 'ReconciliationDay' });

export const testClock = z.object({ now: INSTANT, timeZone: z.string() }).meta({ id: 'TestClock' });
export const testClockAdvance = testClock
  .extend({ from: INSTANT, wallMs: z.number().int().meta({ description: 'Wall-clock milliseconds the advance took' }) })
  .meta({ id: 'TestClockAdvance' });

export const health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.record(z.string(), z.string()).meta({ description: '"ok", or what went wrong, per dependency' }),
  })
  .meta({ id: 'Health' });
