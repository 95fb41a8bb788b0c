/** Shapes of the Toss Payments billing API (docs/toss-gateway.md), shared by the client and the emulator. */

export interface TossCard {
  issuerCode: string;
  acquirerCode: string;
  /** Masked, e.g. `43301234****123*`. */
  number: string;
  cardType: '신용' | '체크' | '기프트';
  ownerType: '개인' | '법인';
  approveNo?: string;
  amount?: number;
}

export interface TossBillingAuthorization {
  mId: string;
  customerKey: string;
  authenticatedAt: string;
  method: '카드';
  billingKey: string;
  cardCompany: string;
  cardNumber: string;
  card: TossCard;
}

export interface TossCancel {
  transactionKey: string;
  cancelReason: string;
  cancelAmount: number;
  canceledAt: string;
  cancelStatus: 'DONE';
}

/**
 * Currencies a billing charge may carry: the plan currencies of docs/plans.md (ISO 4217 codes). Toss
 * charges KRW unless told otherwise; amounts are always integer minor units of this currency.
 */
export type TossCurrency = 'KRW' | 'USD' | 'JPY' | 'EUR' | 'GBP';

export type TossPaymentStatus = 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED';

export interface TossPayment {
  mId: string;
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: TossPaymentStatus;
  type: 'BILLING';
  method: '카드';
  requestedAt: string;
  approvedAt: string;
  totalAmount: number;
  balanceAmount: number;
  suppliedAmount: number;
  vat: number;
  taxFreeAmount: number;
  currency: TossCurrency;
  customerKey?: string;
  card: TossCard;
  receipt: { url: string };
  cancels: TossCancel[] | null;
}

export interface TossChargeRequest {
  customerKey: string;
  amount: number;
  orderId: string;
  orderName: string;
  customerEmail?: string;
  customerName?: string;
  taxFreeAmount?: number;
  /** Absent means KRW; the client leaves KRW out so KRW requests read exactly as Toss documents them. */
  currency?: TossCurrency;
}

export interface TossCardAuthorizationRequest {
  customerKey: string;
  cardNumber: string;
  cardExpirationYear: string;
  cardExpirationMonth: string;
  customerIdentityNumber: string;
  cardPassword?: string;
}

export interface TossErrorBody {
  code: string;
  message: string;
}
