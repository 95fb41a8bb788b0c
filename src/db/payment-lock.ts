/**
 * One refund at a time per payment once its subscription has ended (docs/money-movement.md): while
 * the workflow runs, its turn serialises refunds; after the end, a PostgreSQL advisory lock keyed
 * by the payment does (after an in-process queue). A session lock, not a row lock: the refund it guards writes that payment's
 * row through other connections. A crashed process drops its connection and with it the lock.
 */
import { Mutex } from 'async-mutex';
import type { Pool } from 'pg';

/** Waiters of this process queue here first, so they never hold pool connections while they wait. */
const local = new Map<string, { mutex: Mutex; users: number }>();

export async function withPaymentLock<T>(pool: Pool, orderId: string, work: () => Promise<T>): Promise<T> {
  const entry = local.get(orderId) ?? { mutex: new Mutex(), users: 0 };
  local.set(orderId, entry);
  entry.users++;
  try {
    return await entry.mutex.runExclusive(() => withDatabaseLock(pool, orderId, work));
  } finally {
    if (--entry.users === 0) local.delete(orderId);
  }
}

/** Across API processes: a PostgreSQL advisory lock keyed by the payment. */
async function withDatabaseLock<T>(pool: Pool, orderId: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended('refund:' || $1, 0))", [orderId]);
    try {
      return await work();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtextextended('refund:' || $1, 0))", [orderId]);
    }
  } finally {
    client.release();
  }
}

/** A refund made after the end shows in the ended subscription's last snapshot too. */
export async function addRefundToEndedSnapshot(pool: Pool, subscriptionId: string, paymentId: string, amount: number): Promise<void> {
  await pool.query(
    `UPDATE subscriptions
        SET snapshot = jsonb_set(
              CASE WHEN snapshot #>> '{lastPayment,paymentId}' = $2
                   THEN jsonb_set(snapshot, '{lastPayment,refunded}', to_jsonb(COALESCE((snapshot #>> '{lastPayment,refunded}')::bigint, 0) + $3))
                   ELSE snapshot END,
              '{counters,amountRefunded}', to_jsonb(COALESCE((snapshot #>> '{counters,amountRefunded}')::bigint, 0) + $3)),
            updated_at = now()
      WHERE id = $1 AND snapshot IS NOT NULL`,
    [subscriptionId, paymentId, amount],
  );
}
