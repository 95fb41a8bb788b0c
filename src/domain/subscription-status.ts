/** Subscription states and entitlement (docs/lifecycle.md §1). */
export const SUBSCRIPTION_STATUSES = [
  'INCOMPLETE',
  'TRIALING',
  'ACTIVE',
  'IN_GRACE_PERIOD',
  'ON_HOLD',
  'PAUSED',
  'CANCELED',
  'EXPIRED',
  'REVOKED',
  'INCOMPLETE_EXPIRED',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

const ENTITLED: ReadonlySet<SubscriptionStatus> = new Set(['TRIALING', 'ACTIVE', 'IN_GRACE_PERIOD', 'CANCELED']);
const TERMINAL: ReadonlySet<SubscriptionStatus> = new Set(['EXPIRED', 'REVOKED', 'INCOMPLETE_EXPIRED']);

export function isEntitled(status: SubscriptionStatus): boolean {
  return ENTITLED.has(status);
}

export function isTerminal(status: SubscriptionStatus): boolean {
  return TERMINAL.has(status);
}
