/** Shared wiring for the split worker / API processes of the compose deployment. */
import { BillingKeyCipher } from '../db/billing-key-cipher';
import { loadOrCreateEncryptionKey } from '../db/encryption-key';
import { migrate } from '../db/migrate';
import { PaymentMethodsRepo } from '../db/payment-methods-repo';
import { PaymentsRepo } from '../db/payments-repo';
import { PlansRepo } from '../db/plans-repo';
import { createPool } from '../db/pool';
import { SEED_PLANS } from '../db/seed-plans';
import { SubscriptionsRepo } from '../db/subscriptions-repo';
import type { Config } from '../config';
import { TossPaymentsClient } from '../gateway/toss-payments-client';

export async function connectRuntime(config: Config) {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required when the worker or API runs on its own');
  if (!config.TOSS_SECRET_KEY) throw new Error('TOSS_SECRET_KEY is required when the worker or API runs on its own');
  await migrate(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, 20);
  const plans = new PlansRepo(pool);
  await plans.insertMissing(SEED_PLANS);
  const cipher = new BillingKeyCipher(loadOrCreateEncryptionKey(config.BILLING_KEY_ENCRYPTION_KEY, config.dataDir));
  return {
    pool,
    plans,
    paymentMethods: new PaymentMethodsRepo(pool, cipher),
    payments: new PaymentsRepo(pool),
    subscriptions: new SubscriptionsRepo(pool),
    gateway: new TossPaymentsClient({ baseUrl: config.TOSS_API_BASE_URL, secretKey: config.TOSS_SECRET_KEY }),
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
  };
}
