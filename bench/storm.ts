/**
 * The renewal storm through the product: N customers register a card and subscribe through the
 * HTTP API with one common `startAt`; at that instant every subscription charges. Measured from the
 * gateway's own log (the emulator's charge records) and the ledger: when each charge landed, and
 * whether any subscription was charged twice or not at all.
 */
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import type { Plan } from '../src/domain/plans';
import { TASK_QUEUE, workflowIdFor } from '../src/temporal/task-queue';
import { subscriptionWorkflow } from '../workflows/subscription-workflow';
import { cpuByGroup, cpuSince } from './cpu';
import { percentile, pool, sleepMs } from './stats';

export interface StormResult {
  n: number;
  charged: number;
  duplicates: number;
  misses: number;
  /** From the due instant to the last charge. */
  seconds: number;
  perSecond: number;
  latenessP50: number;
  latenessP99: number;
  /** How fast the N subscriptions (or workflows) were created beforehand. */
  createsPerSecond: number;
  ledgerRows?: number;
  /** CPU milliseconds per charge, by component, from the due instant until everything settled. */
  cpuMsPerCharge: Record<string, number>;
}

interface ChargeRecord {
  orderId: string;
  customerKey: string;
  result: string;
  at: string;
}

export interface ApiTarget {
  apiUrl: string;
  temporalAddress: string;
  apiKey: string;
  emulatorUrl: string;
  databaseUrl: string;
}

export async function api<T>(target: ApiTarget, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${target.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.apiKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

/** One card per customer, registered through the API (billing-key issuance at the emulator). */
export async function registerCards(target: ApiTarget, customers: string[], concurrency = 32): Promise<string[]> {
  return pool(customers, concurrency, async (customerKey) => {
    const { status, body } = await api<{ id: string }>(target, 'POST', `/v1/customers/${customerKey}/payment-methods`, { authKey: 'auth_approve' });
    if (status !== 201) throw new Error(`card registration for ${customerKey}: HTTP ${status} ${JSON.stringify(body)}`);
    return body.id;
  });
}

/** N customers with a card each and a subscription each, all due at one instant (returned). */
export async function createDueSubscriptions(
  target: ApiTarget,
  opts: { n: number; planId: string; label: string; log: (m: string) => void; direct?: boolean },
): Promise<{ customers: string[]; dueAtMs: number; createsPerSecond: number }> {
  const customers = Array.from({ length: opts.n }, (_, i) => `${opts.label}-${i}`);
  opts.log(`${opts.label}: registering ${opts.n} cards`);
  const cards = await registerCards(target, customers);
  // Pilot: how fast creates go, so the common start leaves room for all of them.
  const pilot = Math.min(50, opts.n);
  const pilotCards = await registerCards(target, customers.slice(0, pilot).map((c) => `${c}-pilot`));
  const t0 = Date.now();
  if (opts.direct) {
    await startDirectly(target, customers.slice(0, pilot).map((c) => `${c}-pilot`), pilotCards, opts.planId, Date.now() + 86_400_000);
  } else {
    await pool(pilotCards, 32, async (paymentMethodId, i) => {
      const startAt = new Date(Date.now() + 86_400_000).toISOString();
      await api(target, 'POST', '/v1/subscriptions', { customerKey: `${customers[i]}-pilot`, planId: opts.planId, paymentMethodId, startAt, trial: false });
    });
  }
  const perCreate = (Date.now() - t0) / pilot;
  const dueAtMs = Date.now() + Math.ceil(opts.n * perCreate * 1.5) + 15_000;
  const startAt = new Date(dueAtMs).toISOString();
  opts.log(`${opts.label}: creating ${opts.n} subscriptions due at ${startAt}`);
  const createdAt = Date.now();
  if (opts.direct) {
    await startDirectly(target, customers, cards, opts.planId, dueAtMs);
    return { customers, dueAtMs, createsPerSecond: opts.n / ((Date.now() - createdAt) / 1000) };
  }
  let retries = 0;
  await pool(customers, 32, async (customerKey, i) => {
    // As a client should: a 5xx or a 409 (the same key still in progress) is sent again with the same key.
    for (let attempt = 1; ; attempt++) {
      const { status, body } = await api(target, 'POST', '/v1/subscriptions', { customerKey, planId: opts.planId, paymentMethodId: cards[i], startAt, trial: false }, `storm-${customerKey}`);
      if (status === 201) return;
      if ((status >= 500 || status === 409) && attempt < 6) {
        retries++;
        opts.log(`${opts.label}: create for ${customerKey} answered ${status} (${JSON.stringify(body).slice(0, 200)}); sending it again`);
        await sleepMs(500 * attempt);
        continue;
      }
      throw new Error(`create for ${customerKey}: HTTP ${status} ${JSON.stringify(body)}`);
    }
  });
  if (retries > 0) opts.log(`${opts.label}: ${retries} creates were sent again`);
  const createsPerSecond = opts.n / ((Date.now() - createdAt) / 1000);
  if (Date.now() > dueAtMs) opts.log(`${opts.label}: WARNING the creates ran past the due instant`);
  return { customers, dueAtMs, createsPerSecond };
}

export interface Settlement {
  /** Approved charges at the gateway, by customer (times in ms). */
  charges: Map<string, number[]>;
  ledgerRows: number;
  /**
   * Customers settled in every place: one approved charge at the gateway, exactly one ledger row
   * with that order id, paid, of the same amount, and a projection showing one paid cycle with
   * nothing left unconfirmed (no lookup or resend still scheduled that could move money later).
   */
  settled: number;
}

interface GatewayRecord extends ChargeRecord {
  amount: number;
}

/** What the gateway, the ledger and the projection say about these customers now. */
export async function settlementOf(target: ApiTarget, customers: string[], label: string): Promise<Settlement> {
  const mine = new Set(customers);
  const all = (await (await fetch(`${target.emulatorUrl}/emulator/charges`)).json()) as GatewayRecord[];
  const charges = new Map<string, number[]>();
  const approved = new Map<string, GatewayRecord[]>();
  for (const r of all) {
    if (!mine.has(r.customerKey) || r.result !== 'DONE') continue;
    charges.set(r.customerKey, [...(charges.get(r.customerKey) ?? []), Date.parse(r.at)]);
    approved.set(r.customerKey, [...(approved.get(r.customerKey) ?? []), r]);
  }
  const db = new Pool({ connectionString: target.databaseUrl, max: 1 });
  try {
    const ledger = await db.query<{ customer_key: string; order_id: string; status: string; amount: number }>(
      'SELECT customer_key, order_id, status, amount FROM payments WHERE customer_key LIKE $1',
      [`${label}-%`],
    );
    const projected = await db.query<{ customer_key: string; paid: number; open: number }>(
      `SELECT customer_key, (snapshot->'counters'->>'paidCycles')::int AS paid,
              jsonb_array_length(COALESCE(snapshot->'unsettledOrders', '[]')) + jsonb_array_length(COALESCE(snapshot->'unsettledPurchases', '[]')) AS open
         FROM subscriptions WHERE customer_key LIKE $1`,
      [`${label}-%`],
    );
    const rowsOf = new Map<string, typeof ledger.rows>();
    for (const row of ledger.rows) rowsOf.set(row.customer_key, [...(rowsOf.get(row.customer_key) ?? []), row]);
    const projectionOf = new Map(projected.rows.map((row) => [row.customer_key, row]));
    let settled = 0;
    for (const customer of customers) {
      const gateway = approved.get(customer) ?? [];
      const rows = rowsOf.get(customer) ?? [];
      const projection = projectionOf.get(customer);
      const one = gateway.length === 1 && rows.length === 1 ? { charge: gateway[0]!, row: rows[0]! } : null;
      if (one && one.row.order_id === one.charge.orderId && one.row.status === 'DONE' && Number(one.row.amount) === one.charge.amount && projection?.paid === 1 && projection.open === 0) settled++;
    }
    return { charges, ledgerRows: ledger.rows.length, settled };
  } finally {
    await db.end();
  }
}

/** Polls until every customer is settled in all three places (see `Settlement`), or the deadline. */
export async function waitForSettlement(target: ApiTarget, customers: string[], label: string, deadlineMs: number): Promise<{ settlement: Settlement; settledAtMs: number | null }> {
  let settlement = await settlementOf(target, customers, label);
  while (Date.now() < deadlineMs) {
    if (settlement.settled === customers.length) return { settlement, settledAtMs: Date.now() };
    await sleepMs(1000);
    settlement = await settlementOf(target, customers, label);
  }
  return { settlement, settledAtMs: null };
}

export async function runStorm(target: ApiTarget, opts: { n: number; planId: string; label: string; log: (m: string) => void; direct?: boolean }): Promise<StormResult> {
  const { customers, dueAtMs, createsPerSecond } = await createDueSubscriptions(target, opts);
  opts.log(`storm: ${opts.n} created (${createsPerSecond.toFixed(1)}/s); waiting for the due instant`);
  await sleepMs(Math.max(0, dueAtMs - Date.now() - 500));
  const cpuBefore = cpuByGroup();
  const { settlement } = await waitForSettlement(target, customers, opts.label, dueAtMs + 300_000 + opts.n * 200);
  const cpu = cpuSince(cpuBefore);
  return { ...stormResultOf(opts.n, settlement.charges, dueAtMs, cpu), createsPerSecond, ledgerRows: settlement.ledgerRows };
}

/** The storm's numbers from when each key was charged (ms; more than one time = charged twice). */
export function stormResultOf(n: number, times: Map<string, number[]>, dueAtMs: number, cpu: Map<string, number>): Omit<StormResult, 'createsPerSecond'> {
  const firsts = [...times.values()].map((t) => Math.min(...t));
  const lateness = firsts.map((t) => t - dueAtMs);
  const last = Math.max(...lateness);
  return {
    n,
    charged: times.size,
    duplicates: [...times.values()].filter((t) => t.length > 1).length,
    misses: n - times.size,
    seconds: last / 1000,
    perSecond: times.size / (last / 1000),
    latenessP50: percentile(lateness, 50) / 1000,
    latenessP99: percentile(lateness, 99) / 1000,
    cpuMsPerCharge: perCharge(cpu, times.size),
  };
}

/** A run's CPU per charge by component, as a table cell, and its total (the driver and the UI left out). */
export function cpuCell(result: StormResult): { byComponent: string; total: number } {
  const groups = Object.entries(result.cpuMsPerCharge).filter(([group]) => group !== 'bench driver' && group !== 'web ui');
  return { byComponent: groups.map(([group, ms]) => `${group} ${ms}`).join(', '), total: Math.round(10 * groups.reduce((sum, [, ms]) => sum + ms, 0)) / 10 };
}

export function perCharge(cpu: Map<string, number>, charges: number): Record<string, number> {
  return Object.fromEntries([...cpu].filter(([, ms]) => ms > 0).map(([group, ms]) => [group, Math.round((10 * ms) / Math.max(1, charges)) / 10]));
}

/**
 * Starts the subscriptions' workflows through Temporal, with the create input the API builds, for
 * storms too large to create through the API in reasonable time (the storm measures the charges,
 * not the creates; the API's own latency has its own table).
 */
async function startDirectly(target: ApiTarget, customers: string[], cards: string[], planId: string, dueAtMs: number): Promise<void> {
  const plan = (await api<Plan>(target, 'GET', `/v1/plans/${planId}`)).body;
  const connection = await Connection.connect({ address: target.temporalAddress });
  try {
    const client = new Client({ connection });
    await pool(customers, 64, async (customerKey, i) => {
      const subscriptionId = `sub_${customerKey.replace(/[^A-Za-z0-9]/g, '')}`;
      await client.workflow.start(subscriptionWorkflow, {
        workflowId: workflowIdFor(subscriptionId),
        taskQueue: TASK_QUEUE,
        args: [{ create: { subscriptionId, customerKey, plan, paymentMethodId: cards[i]!, timeZone: 'Asia/Seoul', withTrial: false, startAtMs: dueAtMs } }],
      });
    });
  } finally {
    await connection.close();
  }
}
