/**
 * Opening the application database: schema migrated, seed plans present, one pool and the
 * repositories on it. `npm start` and the split worker/API processes share this wiring.
 */
import { SecretCipher } from './secret-cipher';
import { migrate } from './migrate';
import { PaymentMethodsRepo } from './payment-methods-repo';
import { PaymentsRepo } from './payments-repo';
import { PlansRepo } from './plans-repo';
import { createPool } from './pool';
import { SEED_PLANS } from './seed-plans';
import { SubscriptionsRepo } from './subscriptions-repo';
import { BillingAuthSessionsRepo } from './billing-auth-sessions-repo';
import { WebhooksRepo } from './webhooks-repo';

export interface DatabaseOptions {
  /** The key that encrypts billing keys and webhook secrets at rest (base64, 32 bytes). */
  encryptionKey: string;
  onMigration?: (message: string) => void;
  onIdleError?: (error: Error) => void;
}

export async function openDatabase(databaseUrl: string, options: DatabaseOptions) {
  await migrate(databaseUrl, options.onMigration);
  const pool = createPool(databaseUrl, 20, options.onIdleError);
  const plans = new PlansRepo(pool);
  await plans.insertMissing(SEED_PLANS);
  const cipher = new SecretCipher(options.encryptionKey);
  return {
    pool,
    plans,
    paymentMethods: new PaymentMethodsRepo(pool, cipher),
    payments: new PaymentsRepo(pool),
    subscriptions: new SubscriptionsRepo(pool),
    webhooks: new WebhooksRepo(pool, cipher),
    billingAuthSessions: new BillingAuthSessionsRepo(pool, cipher),
  };
}
