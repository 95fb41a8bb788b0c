/**
 * The API on the real stack for the idempotency and strict-input tests: the Temporal CLI dev server
 * (existing path), a real worker, PostgreSQL and the emulator over HTTP, and an API app with a
 * full-right key. `gateway` lets a test put a wrapper in front of the Toss client.
 */
import type { Express } from 'express';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createApiApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import type { PaymentGateway } from '../../src/gateway/payment-gateway';
import { createLogger } from '../../src/logger';
import { workflowIdFor } from '../../src/temporal/task-queue';
import { authedAgent, type ApiAgent } from '../support/api-client';
import { startParts, type Parts } from '../support/stack-parts';
import { startDevServer } from '../support/test-servers';

export { startDevServer };

export interface ApiStack {
  env: TestWorkflowEnvironment;
  parts: Parts;
  taskQueue: string;
  app: Express;
  api: ApiAgent;
  /** Registers a card through the API and returns its payment-method id. */
  card(customerKey: string, alias?: string): Promise<string>;
  /** Workflow ids (any status) whose CustomerKey is `customerKey`, once at least `atLeast` are visible. */
  workflowsOf(customerKey: string, atLeast?: number): Promise<string[]>;
  /** The subscriptions rows of a customer. */
  rowsOf(customerKey: string): Promise<{ id: string; status: string; version: number }[]>;
  /** Whether a workflow exists for a subscription id. */
  hasWorkflow(subscriptionId: string): Promise<boolean>;
  /** Another app on the same parts, with `extra` deps (a public URL, a card window, a test clock). */
  appWith(extra: Partial<ApiDeps>): Express;
  /** Stops the worker (its in-flight tasks end) and starts a new one on the same task queue. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startApiStack(options: { gateway?: (real: PaymentGateway) => PaymentGateway } = {}): Promise<ApiStack> {
  const env = await startDevServer();
  const parts = await startParts();
  const taskQueue = `api-${Math.random().toString(36).slice(2)}`;
  const newWorker = () =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      activities: parts.activities,
    });
  let worker = await newWorker();
  let running = worker.run();
  const gateway = options.gateway ? options.gateway(parts.gateway) : parts.gateway;
  const appWith = (extra: Partial<ApiDeps>) =>
    createApiApp({ pool: parts.pool, ...parts.repos, webhookDelivery: parts.webhookDelivery, gateway, temporal: env.client, taskQueue, logger: createLogger('silent'), ...extra });
  const app = appWith({});
  const api = await authedAgent(app, parts.pool);
  return {
    env,
    parts,
    taskQueue,
    app,
    api,
    appWith,
    async card(customerKey, alias = 'approve') {
      const res = await api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: `auth_${alias}` });
      if (res.status !== 201) throw new Error(`card registration answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    workflowsOf: (customerKey, atLeast = 1) => workflowIdsOf(env, customerKey, atLeast),
    async rowsOf(customerKey) {
      const { rows } = await parts.pool.query('SELECT id, status, version FROM subscriptions WHERE customer_key = $1', [customerKey]);
      return rows;
    },
    hasWorkflow: (subscriptionId) => workflowExists(env, subscriptionId),
    async restartWorker() {
      worker.shutdown();
      await running;
      worker = await newWorker();
      running = worker.run();
    },
    async stop() {
      worker.shutdown();
      await running;
      await parts.close();
      await env.teardown();
    },
  };
}

/** Visibility is eventually consistent: list until `atLeast` show up (bounded), then answer what is there. */
export async function workflowIdsOf(env: TestWorkflowEnvironment, customerKey: string, atLeast = 1): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `CustomerKey = "${customerKey}"` })) ids.push(wf.workflowId);
    if (ids.length >= atLeast || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function workflowExists(env: TestWorkflowEnvironment, subscriptionId: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(workflowIdFor(subscriptionId)).describe();
    return true;
  } catch {
    return false;
  }
}

/**
 * A valid body for every POST route of the app, keyed `POST <path>`: tests that walk the app's
 * routes (content types, concurrent keys) fail on a new route until it is added here.
 */
export function validPostBodies(customer: { customerKey: string; paymentMethodId: string }): Record<string, unknown> {
  return {
    'POST /v1/customers/:customerKey/payment-methods': { authKey: 'auth_approve' },
    'POST /v1/subscriptions': { customerKey: customer.customerKey, planId: 'pro-monthly', paymentMethodId: customer.paymentMethodId, trial: false },
    'POST /v1/subscriptions/:id/cancel': {},
    'POST /v1/subscriptions/:id/restore': {},
    'POST /v1/subscriptions/:id/retry-charge': {},
    'POST /v1/subscriptions/:id/resume': {},
    'POST /v1/subscriptions/:id/top-up': {},
    'POST /v1/subscriptions/:id/payment-method': { paymentMethodId: customer.paymentMethodId },
    'POST /v1/subscriptions/:id/plan-change/preview': { planId: 'pro-yearly' },
    'POST /v1/subscriptions/:id/plan-change': { planId: 'pro-yearly', mode: 'CHARGE_FULL_PRICE' },
    'POST /v1/subscriptions/:id/defer': { until: '2099-01-01' },
    'POST /v1/subscriptions/:id/pause': { until: '2099-01-01' },
    'POST /v1/subscriptions/:id/revoke': { refund: 'full' },
    'POST /v1/payments/:paymentId/refund': { amount: 1000 },
    'POST /v1/schedule-preview': { interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30' },
    'POST /v1/plans': { id: `plan-${customer.customerKey.toLowerCase()}`.slice(0, 64), product: 'idem', name: 'Idempotency test plan', price: 9_900, interval: { unit: 'month', count: 1 } },
    'POST /v1/plans/:planId/archive': {},
    'POST /v1/webhook-endpoints': { url: 'http://127.0.0.1:9/hooks', eventTypes: ['subscription.canceled'] },
    'POST /v1/webhook-endpoints/:endpointId/enable': {},
    'POST /v1/webhook-endpoints/:endpointId/deliveries/:deliveryId/redeliver': {},
    'POST /v1/billing-auth/sessions': { customerKey: customer.customerKey, returnUrl: 'https://merchant.example/cards/done' },
  };
}
