/**
 * The emulator's memory: billing keys, payments, idempotency records, scripted outcomes and a
 * log of every charge attempt. Optionally persisted to a JSON file so `npm start` keeps billing
 * keys across restarts (a real gateway does).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tightenFile, writePrivateFileAtomic } from '../infra/private-files';
import type { TossBillingAuthorization, TossCurrency, TossPayment } from '../gateway/toss-types';
import type { TestCard } from './test-cards';

export interface StoredBillingKey {
  authorization: TossBillingAuthorization;
  card: TestCard;
}

export interface IdempotencyRecord {
  state: 'processing' | 'done';
  status: number;
  body: unknown;
  expiresAtMs: number;
}

/** One charge attempt as the emulator saw it; never holds the billing key. */
export interface ChargeRecord {
  orderId: string;
  customerKey: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: TossCurrency;
  /** `DONE` or the error code answered. */
  result: string;
  paymentKey: string | null;
  at: string;
}

interface Persisted {
  billingKeys: Record<string, StoredBillingKey>;
  payments: Record<string, TossPayment>;
  /** Files written before charges carried a currency hold won charges without the field. */
  charges: (Omit<ChargeRecord, 'currency'> & { currency?: TossCurrency })[];
}

export class EmulatorStore {
  billingKeys = new Map<string, StoredBillingKey>();
  payments = new Map<string, TossPayment>();
  paymentKeyByOrderId = new Map<string, string>();
  idempotency = new Map<string, IdempotencyRecord>();
  /** Scripted next outcomes by customerKey (`APPROVE` or an error code), consumed in order. */
  scripts = new Map<string, string[]>();
  /** Orders whose first response was already lost (for the `lost-response` card). */
  lostResponses = new Set<string>();
  charges: ChargeRecord[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(private readonly filePath?: string) {
    // Billing keys cannot be looked up again: never lose a pending write to an abrupt exit.
    if (filePath) {
      process.once('exit', () => {
        try {
          this.flush();
        } catch (error) {
          process.stderr.write(`toss emulator: could not save ${filePath}: ${(error as Error).message}\n`);
        }
      });
      // The file holds plaintext billing keys: 0600, also when an older version wrote it 0644,
      // and no world-readable temporary file left behind by that version.
      tightenFile(filePath);
      rmSync(`${filePath}.tmp`, { force: true });
    }
    if (filePath && existsSync(filePath)) {
      const data = JSON.parse(readFileSync(filePath, 'utf8')) as Persisted;
      this.billingKeys = new Map(Object.entries(data.billingKeys));
      this.payments = new Map(Object.entries(data.payments));
      for (const payment of this.payments.values()) this.paymentKeyByOrderId.set(payment.orderId, payment.paymentKey);
      this.charges = data.charges.map((charge) => ({ ...charge, currency: charge.currency ?? 'KRW' }));
    }
  }

  /** Coalesces writes: a renewal storm must not rewrite the file per charge. */
  changed(): void {
    if (!this.filePath || this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), 200);
    this.flushTimer.unref();
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.filePath) return;
    const data: Persisted = {
      billingKeys: Object.fromEntries(this.billingKeys),
      payments: Object.fromEntries(this.payments),
      charges: this.charges,
    };
    writePrivateFileAtomic(this.filePath, JSON.stringify(data));
  }

  reset(): void {
    this.billingKeys.clear();
    this.payments.clear();
    this.paymentKeyByOrderId.clear();
    this.idempotency.clear();
    this.scripts.clear();
    this.lostResponses.clear();
    this.charges = [];
    this.changed();
  }

  nextScriptedOutcome(customerKey: string): string | undefined {
    const queue = this.scripts.get(customerKey);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.scripts.delete(customerKey);
    return next;
  }
}
