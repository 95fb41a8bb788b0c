import type {
  TossBillingAuthorization,
  TossCardAuthorizationRequest,
  TossChargeRequest,
  TossPayment,
} from './toss-types';

/** Per-call options: idempotency and Toss's test-mode error injection. */
export interface CallOptions {
  /** Sent as `Idempotency-Key`; repeats return the first response (docs/toss-gateway.md). */
  idempotencyKey?: string;
  /** Sent as `TossPayments-Test-Code`: a test-key request fails with that code. */
  testCode?: string;
}

/**
 * The billing operations this product needs from Toss. One HTTP implementation talks either to
 * api.tosspayments.com or to the local emulator, which speaks the same protocol (docs/toss-gateway.md).
 */
export interface PaymentGateway {
  issueBillingKey(req: { authKey: string; customerKey: string }, opts?: CallOptions): Promise<TossBillingAuthorization>;
  issueBillingKeyWithCard(req: TossCardAuthorizationRequest, opts?: CallOptions): Promise<TossBillingAuthorization>;
  chargeBillingKey(billingKey: string, req: TossChargeRequest, opts?: CallOptions): Promise<TossPayment>;
  /** null when Toss has no such order (404). */
  getPaymentByOrderId(orderId: string): Promise<TossPayment | null>;
  getPayment(paymentKey: string): Promise<TossPayment | null>;
  cancelPayment(paymentKey: string, req: { cancelReason: string; cancelAmount?: number }, opts?: CallOptions): Promise<TossPayment>;
}
