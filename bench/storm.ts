/**
 * The renewal storm through the product: N customers register a card and subscribe through the
 * HTTP API with one common `startAt`; at that instant every subscription charges. Measured from the
 * gateway's own log (the emulator's charge records) and the ledger: when each charge landed, and
 * whether any subscription was charged twice or not at all.
 */
import { Pool } from 'pg';
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
}

interface ChargeRecord {
  orderId: string;
  customerKey: string;
  result: string;
  at: string;
}

export interface ApiTarget {
  apiUrl: string;
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

export async function runStorm(target: ApiTarget, opts: { n: number; planId: string; label: string; log: (m: string) => void }): Promise<StormResult> {
  const customers = Array.from({ length: opts.n }, (_, i) => `${opts.label}-${i}`);
  opts.log(`storm: registering ${opts.n} cards`);
  const cards = await registerCards(target, customers);
  // Pilot: how fast creates go, so the common start leaves room for all of them.
  const pilot = Math.min(50, opts.n);
  const pilotCards = await registerCards(target, customers.slice(0, pilot).map((c) => `${c}-pilot`));
  const t0 = Date.now();
  await pool(pilotCards, 32, async (paymentMethodId, i) => {
    const startAt = new Date(Date.now() + 86_400_000).toISOString();
    await api(target, 'POST', '/v1/subscriptions', { customerKey: `${customers[i]}-pilot`, planId: opts.planId, paymentMethodId, startAt, trial: false });
  });
  const perCreate = (Date.now() - t0) / pilot;
  const dueAtMs = Date.now() + Math.ceil(opts.n * perCreate * 1.5) + 15_000;
  const startAt = new Date(dueAtMs).toISOString();
  opts.log(`storm: creating ${opts.n} subscriptions due at ${startAt}`);
  const createdAt = Date.now();
  await pool(customers, 32, async (customerKey, i) => {
    const { status, body } = await api(target, 'POST', '/v1/subscriptions', { customerKey, planId: opts.planId, paymentMethodId: cards[i], startAt, trial: false }, `storm-${customerKey}`);
    if (status !== 201) throw new Error(`create for ${customerKey}: HTTP ${status} ${JSON.stringify(body)}`);
  });
  const createsPerSecond = opts.n / ((Date.now() - createdAt) / 1000);
  if (Date.now() > dueAtMs) opts.log('storm: WARNING the creates ran past the due instant');
  opts.log(`storm: ${opts.n} created (${createsPerSecond.toFixed(1)}/s); waiting for the due instant`);

  const mine = new Set(customers);
  const deadline = dueAtMs + 180_000 + opts.n * 50;
  let records: ChargeRecord[] = [];
  while (Date.now() < deadline) {
    await sleepMs(2000);
    if (Date.now() < dueAtMs) continue;
    const all = (await (await fetch(`${target.emulatorUrl}/emulator/charges`)).json()) as ChargeRecord[];
    records = all.filter((c) => mine.has(c.customerKey) && c.result === 'DONE');
    if (new Set(records.map((r) => r.customerKey)).size >= opts.n) break;
  }
  const byCustomer = new Map<string, number[]>();
  for (const r of records) byCustomer.set(r.customerKey, [...(byCustomer.get(r.customerKey) ?? []), Date.parse(r.at)]);
  const firsts = [...byCustomer.values()].map((times) => Math.min(...times));
  const lateness = firsts.map((t) => t - dueAtMs);
  const last = Math.max(...lateness);
  const db = new Pool({ connectionString: target.databaseUrl, max: 1 });
  let ledgerRows: number;
  try {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM payments WHERE customer_key LIKE $1`,
      [`${opts.label}-%`],
    );
    ledgerRows = Number(rows[0]!.n);
  } finally {
    await db.end();
  }
  return {
    n: opts.n,
    charged: byCustomer.size,
    duplicates: [...byCustomer.values()].filter((times) => times.length > 1).length,
    misses: opts.n - byCustomer.size,
    seconds: last / 1000,
    perSecond: byCustomer.size / (last / 1000),
    latenessP50: percentile(lateness, 50) / 1000,
    latenessP99: percentile(lateness, 99) / 1000,
    createsPerSecond,
    ledgerRows,
  };
}
