/**
 * The Temporal Schedule that runs daily reconciliation (docs/reconciliation.md), and starting a
 * day's reconciliation by hand (`npm run reconcile`). Every process may call
 * `ensureReconciliationSchedule` at start: the first creates the Schedule, the others find it
 * (ScheduleAlreadyRunning) and leave it alone, or bring it to the wanted definition.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleClient,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowIdConflictPolicy,
  type Client,
  type ScheduleDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { DEFAULT_TIME_ZONE } from '../domain/calendar';
import { reconciliationWorkflow, type ReconciliationInput, type ReconciliationResult } from '../../workflows/reconciliation-workflow';

export const RECONCILIATION_SCHEDULE_ID = 'daily-reconciliation';
/** The Schedule's workflows are `daily-reconciliation-<action time>` (the server appends the time). */
export const SCHEDULED_WORKFLOW_ID = 'daily-reconciliation';
export const RECONCILIATION_HOUR = 4;
/** An action missed while the server was down is still taken within this window (ms). */
export const CATCHUP_WINDOW_MS = 24 * 3600_000;

export interface ReconciliationScheduleOptions {
  taskQueue: string;
  /** Default: the client's namespace. */
  namespace?: string;
  /** The zone of the schedule's calendar and of the reconciled day; default Asia/Seoul. */
  timeZone?: string;
  /** Local hour of the daily action (0–23); default 4. */
  hour?: number;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

function wanted(opts: ReconciliationScheduleOptions) {
  const timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const hour = opts.hour ?? RECONCILIATION_HOUR;
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be an integer 0–23, got ${hour}`);
  const args: [ReconciliationInput] = [{ timeZone }];
  return {
    timeZone,
    hour,
    spec: { calendars: [{ hour, minute: 0, comment: 'reconcile the previous local day' }], timezone: timeZone },
    action: { type: 'startWorkflow' as const, workflowType: reconciliationWorkflow, workflowId: SCHEDULED_WORKFLOW_ID, taskQueue: opts.taskQueue, args },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW_MS, pauseOnFailure: false },
  };
}

/** Whether the Schedule already does what `w` wants: one calendar at hour:00 in the zone, the workflow and queue, SKIP, the window. */
function matches(current: ScheduleDescription, w: ReturnType<typeof wanted>): boolean {
  const calendars = current.spec.calendars ?? [];
  const single = (ranges: { start: number; end: number }[] | undefined, value: number) =>
    ranges?.length === 1 && ranges[0]!.start === value && (ranges[0]!.end ?? value) === value;
  const calendar = calendars[0];
  const args = current.action.args as unknown[] | undefined;
  return (
    calendars.length === 1 &&
    (current.spec.intervals ?? []).length === 0 &&
    current.spec.timezone === w.timeZone &&
    single(calendar?.hour, w.hour) &&
    single(calendar?.minute, 0) &&
    current.action.type === 'startWorkflow' &&
    current.action.workflowType === 'reconciliationWorkflow' &&
    current.action.taskQueue === w.action.taskQueue &&
    current.action.workflowId === SCHEDULED_WORKFLOW_ID &&
    (args?.[0] as ReconciliationInput | undefined)?.timeZone === w.timeZone &&
    current.policies.overlap === ScheduleOverlapPolicy.SKIP &&
    current.policies.catchupWindow === CATCHUP_WINDOW_MS
  );
}

/**
 * Creates the Schedule `daily-reconciliation` (every day at `hour`:00 in `timeZone`, overlap SKIP,
 * a catch-up window of one day) if it is missing, or updates it when its definition differs. Safe
 * when several processes call it at once: a lost create race finds the Schedule and compares it.
 * A paused Schedule stays paused (its state is an operator's decision).
 */
export async function ensureReconciliationSchedule(client: Client, opts: ReconciliationScheduleOptions): Promise<EnsureOutcome> {
  const schedules =
    opts.namespace !== undefined && opts.namespace !== client.options.namespace
      ? new ScheduleClient({ connection: client.connection, namespace: opts.namespace, dataConverter: client.options.dataConverter })
      : client.schedule;
  const w = wanted(opts);
  for (let attempt = 1; ; attempt++) {
    try {
      await schedules.create({
        scheduleId: RECONCILIATION_SCHEDULE_ID,
        spec: w.spec,
        action: w.action,
        policies: w.policies,
        state: { note: 'created by ensureReconciliationSchedule (docs/reconciliation.md)' },
      });
      return 'created';
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
    const handle = schedules.getHandle(RECONCILIATION_SCHEDULE_ID);
    try {
      if (matches(await handle.describe(), w)) return 'unchanged';
      await handle.update((previous) => ({ ...previous, spec: w.spec, action: w.action, policies: w.policies }));
      return 'updated';
    } catch (error) {
      // Deleted between the create and the describe: create it again (bounded).
      if (!(error instanceof ScheduleNotFoundError) || attempt >= 3) throw error;
    }
  }
}

export interface ManualReconciliation {
  day: string;
  taskQueue: string;
  timeZone?: string;
}

/** The workflow id of a day's manual run. */
export const manualReconciliationId = (day: string) => `reconciliation-${day}`;

/**
 * Starts the reconciliation of one day (or attaches to the one running for that day) and returns
 * its handle. A finished day can be run again: its run is replaced, mismatches are not duplicated.
 */
export function startReconciliation(client: Client, r: ManualReconciliation): Promise<WorkflowHandle<typeof reconciliationWorkflow>> {
  return client.workflow.start(reconciliationWorkflow, {
    workflowId: manualReconciliationId(r.day),
    taskQueue: r.taskQueue,
    args: [{ day: r.day, ...(r.timeZone !== undefined ? { timeZone: r.timeZone } : {}) }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: `reconcile ${r.day} by hand`,
  });
}

/** Runs one day's reconciliation to its end. */
export async function reconcileDay(client: Client, r: ManualReconciliation): Promise<ReconciliationResult> {
  return (await startReconciliation(client, r)).result();
}
