/**
 * One refund at a time per payment once its subscription has ended (docs/money-movement.md): while
 * the workflow runs, its turn serialises refunds; after the end, a PostgreSQL advisory lock keyed
 * by the payment does (after an in-process queue). A session lock, not a row lock: the refund it guards writes that payment's
 * row through other connections. A crashed process drops its connection and with it the lock.
 */
import { Mutex, Semaphore } from 'async-mutex';
import type { Pool } from 'pg';
import { withAdvisoryLock } from './advisory-lock';

/** Waiters of this process queue here first, so they never hold pool connections while they wait. */
const local = new Map<string, { mutex: Mutex; users: number }>();
/**
 * Each refund holds two connections (the lock's and its own queries'): a few at a time, so refunds
 * of many payments at once can never take the whole pool and wait on each other.
 */
const connectionsForRefunds = new Semaphore(4);

export async function withPaymentLock<T>(pool: Pool, orderId: string, work: () => Promise<T>): Promise<T> {
  const entry = local.get(orderId) ?? { mutex: new Mutex(), users: 0 };
  local.set(orderId, entry);
  entry.users++;
  try {
    return await entry.mutex.runExclusive(() => connectionsForRefunds.runExclusive(() => withAdvisoryLock(pool, `refund:${orderId}`, work)));
  } finally {
    if (--entry.users === 0) local.delete(orderId);
  }
}

/**
 * The ended subscription's stored snapshot counts every refund in the ledger: recomputed from the
 * refunds rows, so running it twice (a retried request) can never count a refund twice.
 */
export async function syncEndedSnapshotRefunds(pool: Pool, subscriptionId: string): Promise<void> {
  await pool.query(
    `UPDATE subscriptions s
        SET snapshot = jsonb_set(
              CASE WHEN s.snapshot -> 'lastPayment' IS NOT NULL AND s.snapshot -> 'lastPayment' <> 'null'::jsonb
                   THEN jsonb_set(s.snapshot, '{lastPayment,refunded}', to_jsonb(
                          (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = s.snapshot #>> '{lastPayment,paymentId}')))
                   ELSE s.snapshot END,
              '{counters,amountRefunded}',
              to_jsonb((SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.subscription_id = s.id))),
            updated_at = now()
      WHERE s.id = $1 AND s.snapshot IS NOT NULL`,
    [subscriptionId],
  );
}
