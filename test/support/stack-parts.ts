/** Real parts the integration tests assemble: the emulator on a loopback port, PostgreSQL repos, the Toss client. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createActivities } from '../../activities';
import { SecretCipher } from '../../src/db/secret-cipher';
import { PaymentMethodsRepo } from '../../src/db/payment-methods-repo';
import { PaymentsRepo } from '../../src/db/payments-repo';
import { PlansRepo } from '../../src/db/plans-repo';
import { createPool } from '../../src/db/pool';
import { SubscriptionsRepo } from '../../src/db/subscriptions-repo';
import { BillingAuthSessionsRepo } from '../../src/db/billing-auth-sessions-repo';
import { WebhooksRepo } from '../../src/db/webhooks-repo';
import type { WebhookDeliveryOptions } from '../../src/webhooks/delivery-options';
import { createTossEmulator } from '../../src/emulator/emulator-app';
import type { ChargeRecord } from '../../src/emulator/emulator-store';
import { TossPaymentsClient } from '../../src/gateway/toss-payments-client';

export const EMULATOR_SECRET = 'test_sk_emulator_for_tests';

/**
 * Receivers run on loopback. Retries start within a second (a real-time test sees them) and grow to
 * hourly, so three days of a receiver that never answers are about 85 attempts under time skipping.
 */
export const TEST_WEBHOOK_DELIVERY: WebhookDeliveryOptions = {
  policy: 'private',
  timeoutMs: 5_000,
  retry: { initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 3_600_000, giveUpAfterMs: 3 * 86_400_000 },
};

export async function startParts() {
  const emulator = createTossEmulator({ secretKey: EMULATOR_SECRET });
  const server: Server = await new Promise((resolve) => {
    const s = emulator.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const emulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = new TossPaymentsClient({ baseUrl: emulatorUrl, secretKey: EMULATOR_SECRET, timeoutMs: 5_000 });
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run through jest (globalSetup)');
  const pool = createPool(databaseUrl);
  const cipher = new SecretCipher(SecretCipher.generateKey());
  const repos = {
    plans: new PlansRepo(pool),
    paymentMethods: new PaymentMethodsRepo(pool, cipher),
    payments: new PaymentsRepo(pool),
    subscriptions: new SubscriptionsRepo(pool),
    webhooks: new WebhooksRepo(pool, cipher),
    billingAuthSessions: new BillingAuthSessionsRepo(pool, cipher),
  };
  const activities = createActivities({ gateway, ...repos, pool, webhookDelivery: TEST_WEBHOOK_DELIVERY });
  let seq = 0;
  return {
    emulator,
    emulatorUrl,
    gateway,
    pool,
    repos,
    activities,
    webhookDelivery: TEST_WEBHOOK_DELIVERY,
    /** A fresh, unguessable-enough customer key per test. */
    customerKey: (label: string) => `${label}-${Date.now().toString(36)}-${++seq}-${Math.random().toString(36).slice(2, 8)}`,
    /** Registers a card through the real protocol and stores it like the API does (in `store`, by default this stack's). */
    async registerCard(customerKey: string, alias = 'approve', store: PaymentMethodsRepo = repos.paymentMethods): Promise<string> {
      const auth = await gateway.issueBillingKey({ authKey: `auth_${alias}`, customerKey });
      const view = await store.insert({
        id: `pm_${customerKey}_${++seq}`.slice(0, 64),
        customerKey,
        billingKey: auth.billingKey,
        cardNumberMasked: auth.card.number,
        cardCompany: auth.cardCompany,
        cardType: auth.card.cardType,
        ownerType: auth.card.ownerType,
      });
      return view.id;
    },
    script(customerKey: string, outcomes: string[]): void {
      emulator.store.scripts.set(customerKey, [...outcomes]);
    },
    charges(customerKey: string): ChargeRecord[] {
      return emulator.store.charges.filter((c) => c.customerKey === customerKey);
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

export type Parts = Awaited<ReturnType<typeof startParts>>;
