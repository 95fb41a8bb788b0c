/**
 * The loop we replace (seed 001): at the cron instant, charge every due customer's billing key
 * through the Toss API — one at a time (`await` in a loop), or with a fixed concurrency. Real HTTP
 * against the same emulator and latency as the product's storm.
 */
import { TossPaymentsClient } from '../src/gateway/toss-payments-client';
import { pool } from './stats';

export interface CronResult {
  n: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  failures: number;
}

export async function prepareCronCustomers(gateway: TossPaymentsClient, label: string, n: number): Promise<{ customerKey: string; billingKey: string }[]> {
  const customers = Array.from({ length: n }, (_, i) => `${label}-${i}`);
  return pool(customers, 32, async (customerKey) => ({ customerKey, billingKey: (await gateway.issueBillingKey({ authKey: 'auth_approve', customerKey })).billingKey }));
}

export async function runCronLoop(gateway: TossPaymentsClient, due: { customerKey: string; billingKey: string }[], concurrency: number): Promise<CronResult> {
  let failures = 0;
  const started = Date.now();
  await pool(due, concurrency, async ({ customerKey, billingKey }, i) => {
    try {
      await gateway.chargeBillingKey(billingKey, { customerKey, amount: 4900, orderId: `cron-${customerKey}-${i}`, orderName: '스트리밍 서비스 구독' });
    } catch {
      failures++;
    }
  });
  const seconds = (Date.now() - started) / 1000;
  return { n: due.length, concurrency, seconds, perSecond: due.length / seconds, failures };
}
