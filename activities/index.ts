import { createChargeActivity, type ChargeDeps } from './charge-activity';
import { createChargeLookupActivity } from './charge-lookup-activity';
import { createProjectionActivity } from './projection-activity';
import { createReconciliationActivities } from './reconciliation-activity';
import { createRefundActivity } from './refund-activity';
import { createSettlePurchaseActivity } from './settle-purchase-activity';
import { createWebhookActivities, type WebhookDeps } from './webhook-activities';
import type { Pool } from 'pg';
import type { SubscriptionsRepo } from '../src/db/subscriptions-repo';

/** `pool` serves the tables without a repository of their own in ChargeDeps (reconciliation). */
export type ActivityDeps = ChargeDeps & WebhookDeps & { subscriptions: SubscriptionsRepo; pool: Pool };

export function createActivities(deps: ActivityDeps) {
  return {
    chargeSubscription: createChargeActivity(deps),
    lookUpCharge: createChargeLookupActivity(deps),
    projectSubscription: createProjectionActivity(deps),
    refundPayment: createRefundActivity(deps),
    settlePurchase: createSettlePurchaseActivity(deps),
    ...createReconciliationActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type SubscriptionActivities = ReturnType<typeof createActivities>;
export type { ChargeInput } from './charge-activity';
export type { RefundAttempt, RefundInput, RefundResult } from './refund-activity';
export type { SettlePurchaseInput } from './settle-purchase-activity';
