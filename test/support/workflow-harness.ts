/**
 * Time-skipping harness: the real Java test server (existing-path, README, Quick start), a worker running the
 * real activities against the emulator over HTTP and PostgreSQL.
 */
import type { Express } from 'express';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createApiApp } from '../../src/api/app';
import type { Plan } from '../../src/domain/plans';
import { createLogger } from '../../src/logger';
import { workflowIdFor } from '../../src/temporal/task-queue';
import { createTestClock } from '../../src/temporal/test-clock';
import { registerSearchAttributes } from '../../src/temporal/time-skipping-server';
import { subscriptionWorkflow } from '../../workflows/subscription-workflow';
import { ActivityHolds } from './activity-holds';
import { authedAgent, type ApiAgent } from './api-client';
import { startParts, type Parts } from './stack-parts';
import { startTimeSkippingServer } from './test-servers';

export interface Harness extends Parts {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
  plan(id: string): Promise<Plan>;
  /** The API app itself, e.g. for a client with another key (api-client.ts). */
  app: Express;
  /** The HTTP API on this server, its clock the test server's (previews see simulated time), with a full-right API key. */
  api: ApiAgent;
  /** Holds the next charge or projection (publish) until released, to land a message at that exact point. */
  holdNext: ActivityHolds['holdNext'];
  /** Moves the server clock to `ms` (never backwards). */
  skipTo(ms: number): Promise<void>;
  start(opts: { subscriptionId: string; customerKey: string; planId: string; paymentMethodId: string; timeZone?: string; withTrial?: boolean; startAtMs?: number }): Promise<ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>>;
  teardown(): Promise<void>;
}


export async function createTimeSkippingHarness(): Promise<Harness> {
  const env = await startTimeSkippingServer();
  await registerSearchAttributes(env);
  const parts = await startParts();
  const taskQueue = `test-${Math.random().toString(36).slice(2)}`;
  const holds = new ActivityHolds();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: holds.wrap(parts.activities),
  });
  const running = worker.run();
  const plans = new Map<string, Plan>();
  const planById = async (id: string): Promise<Plan> => {
    if (!plans.has(id)) {
      const plan = await parts.repos.plans.get(id);
      if (!plan) throw new Error(`no plan ${id}`);
      plans.set(id, plan);
    }
    return plans.get(id)!;
  };
  const app = createApiApp({
    pool: parts.pool,
    ...parts.repos,
    webhookDelivery: parts.webhookDelivery,
    // The simulation's test clock (npm run simulate mounts the same one).
    testClock: createTestClock(env, {
      inFlight: () => {
        const status = worker.getStatus();
        return status.numInFlightWorkflowActivations + status.numInFlightActivities;
      },
    }),
    gateway: parts.gateway,
    temporal: env.client,
    taskQueue,
    logger: createLogger('silent'),
    clock: () => env.currentTimeMs(),
  });
  return {
    ...parts,
    env,
    taskQueue,
    worker,
    app,
    api: await authedAgent(app, parts.pool),
    holdNext: (activity, subscriptionId) => holds.holdNext(activity, subscriptionId),
    async skipTo(ms) {
      const now = await env.currentTimeMs();
      if (ms > now) await env.sleep(ms - now);
    },
    plan: planById,
    async start(opts) {
      const plan = await planById(opts.planId);
      await parts.repos.subscriptions.insertPending({
        id: opts.subscriptionId,
        customerKey: opts.customerKey,
        planId: plan.id,
        product: plan.product,
        paymentMethodId: opts.paymentMethodId,
        timeZone: opts.timeZone ?? 'Asia/Seoul',
        withTrial: false,
      });
      return env.client.workflow.start(subscriptionWorkflow, {
        workflowId: workflowIdFor(opts.subscriptionId),
        taskQueue,
        args: [
          {
            create: {
              subscriptionId: opts.subscriptionId,
              customerKey: opts.customerKey,
              plan,
              paymentMethodId: opts.paymentMethodId,
              timeZone: opts.timeZone ?? 'Asia/Seoul',
              withTrial: opts.withTrial ?? false,
              ...(opts.startAtMs !== undefined ? { startAtMs: opts.startAtMs } : {}),
            },
          },
        ],
      });
    },
    async teardown() {
      holds.releaseAll();
      worker.shutdown();
      await running;
      await parts.close();
      await env.teardown();
    },
  };
}
