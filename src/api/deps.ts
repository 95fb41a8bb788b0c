import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { PaymentMethodsRepo } from '../db/payment-methods-repo';
import type { PaymentsRepo } from '../db/payments-repo';
import type { PlansRepo } from '../db/plans-repo';
import type { SubscriptionsRepo } from '../db/subscriptions-repo';
import type { WebhooksRepo } from '../db/webhooks-repo';
import type { BillingAuthSessionsRepo } from '../db/billing-auth-sessions-repo';
import type { TestClock } from '../temporal/test-clock';
import type { WebhookDeliveryOptions } from '../webhooks/delivery-options';
import type { PaymentGateway } from '../gateway/payment-gateway';

export interface ApiDeps {
  pool: Pool;
  plans: PlansRepo;
  paymentMethods: PaymentMethodsRepo;
  subscriptions: SubscriptionsRepo;
  payments: PaymentsRepo;
  webhooks: WebhooksRepo;
  billingAuthSessions: BillingAuthSessionsRepo;
  /**
   * Card registration (docs/card-registration.md): the URL browsers reach this API at (config
   * API_PUBLIC_URL; default: the origin the session's creator called), and the card window a
   * session's `windowUrl` opens (the emulator's; none with real Toss, whose window its JS SDK opens).
   */
  publicUrl?: string;
  cardWindowUrl?: string;
  /** The URL policy endpoints are checked against, and the retry schedule of redeliveries' workflows. */
  webhookDelivery: WebhookDeliveryOptions;
  gateway: PaymentGateway;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** A simulation's test clock (`npm run simulate`): mounts /v1/test-clock. */
  testClock?: TestClock;
  /** "Now" for previews: the wall clock, or the test server's clock in simulations. */
  clock?: () => Promise<number>;
  /** Requests per minute per API key (config API_RATE_LIMIT_PER_MINUTE); default 6000. */
  rateLimitPerMinute?: number;
}
