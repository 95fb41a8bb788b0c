/**
 * Deterministic order ids (README, Architecture): one per (subscription, cycle, attempt), valid for Toss
 * (6–64 chars of [A-Za-z0-9_-]). The same id is the Idempotency-Key of the charge request, so a
 * retried activity can never charge a cycle twice.
 */
export function orderIdFor(subscriptionId: string, cycle: number, attempt: number): string {
  const orderId = `${subscriptionId}-c${cycle}-a${attempt}`;
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(orderId)) throw new RangeError(`order id "${orderId}" breaks Toss's orderId rules`);
  return orderId;
}

/** Immediate purchases (prorated or full-price plan changes, top-ups) are orders of their own. */
export function purchaseOrderIdFor(subscriptionId: string, seq: number): string {
  const orderId = `${subscriptionId}-p${seq}`;
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(orderId)) throw new RangeError(`order id "${orderId}" breaks Toss's orderId rules`);
  return orderId;
}
