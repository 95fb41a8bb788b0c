import type { Pool } from 'pg';
import type { SecretCipher } from './secret-cipher';

/** What the API may show of a payment method: never the billing key. */
export interface PaymentMethodView {
  id: string;
  customerKey: string;
  card: { number: string; company: string; cardType: string; ownerType: string };
  createdAt: string;
}

interface PaymentMethodRow {
  id: string;
  customer_key: string;
  billing_key_encrypted: string;
  card_number_masked: string;
  card_company: string;
  card_type: string;
  owner_type: string;
  created_at: Date;
}

const toView = (row: PaymentMethodRow): PaymentMethodView => ({
  id: row.id,
  customerKey: row.customer_key,
  card: { number: row.card_number_masked, company: row.card_company, cardType: row.card_type, ownerType: row.owner_type },
  createdAt: row.created_at.toISOString(),
});

export class PaymentMethodsRepo {
  constructor(
    private readonly pool: Pool,
    private readonly cipher: SecretCipher,
  ) {}

  /**
   * Stores a payment method. Idempotent by id: ids derived from an Idempotency-Key make parallel or
   * retried issuance land on one row, and the row that was there first is returned.
   */
  async insert(pm: {
    id: string;
    customerKey: string;
    billingKey: string;
    cardNumberMasked: string;
    cardCompany: string;
    cardType: string;
    ownerType: string;
  }): Promise<PaymentMethodView> {
    const { rows } = await this.pool.query<PaymentMethodRow>(
      `INSERT INTO payment_methods (id, customer_key, billing_key_encrypted, card_number_masked, card_company, card_type, owner_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [pm.id, pm.customerKey, this.cipher.encrypt(pm.billingKey), pm.cardNumberMasked, pm.cardCompany, pm.cardType, pm.ownerType],
    );
    const view = rows[0] ? toView(rows[0]) : await this.get(pm.id);
    if (!view) throw new Error(`payment method ${pm.id} was neither inserted nor found`);
    return view;
  }

  async get(id: string): Promise<PaymentMethodView | null> {
    const { rows } = await this.pool.query<PaymentMethodRow>('SELECT * FROM payment_methods WHERE id = $1', [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async listForCustomer(customerKey: string): Promise<PaymentMethodView[]> {
    const { rows } = await this.pool.query<PaymentMethodRow>(
      'SELECT * FROM payment_methods WHERE customer_key = $1 ORDER BY created_at',
      [customerKey],
    );
    return rows.map(toView);
  }

  /** Only activities call this, right before talking to Toss; the key never leaves that call. */
  async revealBillingKey(id: string): Promise<{ billingKey: string; customerKey: string } | null> {
    const { rows } = await this.pool.query<PaymentMethodRow>('SELECT * FROM payment_methods WHERE id = $1', [id]);
    const row = rows[0];
    return row ? { billingKey: this.cipher.decrypt(row.billing_key_encrypted), customerKey: row.customer_key } : null;
  }
}
