/** Real parts the integration tests assemble: the emulator on a loopback port, PostgreSQL repos, the Toss client. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createActivities } from '../../activities';
import { BillingKeyCipher } from '../../src/db/billing-key-cipher';
import { PaymentMethodsRepo } from '../../src/db/payment-methods-repo';
import { PaymentsRepo } from '../../src/db/payments-repo';
import { PlansRepo } from '../../src/db/plans-repo';
import { createPool } from '../../src/db/pool';
import { SubscriptionsRepo } from '../../src/db/subscriptions-repo';
import { createTossEmulator } from '../../src/emulator/emulator-app';
import type { ChargeRecord } from '../../src/emulator/emulator-store';
import { TossPaymentsClient } from '../../src/gateway/toss-payments-client';

export const EMULATOR_SECRET = 'test_sk_emulator_for_tests';

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
  const cipher = new BillingKeyCipher(BillingKeyCipher.generateKey());
  const repos = {
    plans: new PlansRepo(pool),
    paymentMethods: new PaymentMethodsRepo(pool, cipher),
    payments: new PaymentsRepo(pool),
    subscriptions: new SubscriptionsRepo(pool),
  };
  const activities = createActivities({ gateway, ...repos, pool });
  let seq = 0;
  return {
    emulator,
    emulatorUrl,
    gateway,
    pool,
    repos,
    activities,
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
