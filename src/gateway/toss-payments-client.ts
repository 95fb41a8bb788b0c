import { TossApiError } from './toss-api-error';
import type { CallOptions, PaymentGateway } from './payment-gateway';
import type {
  TossBillingAuthorization,
  TossCardAuthorizationRequest,
  TossChargeRequest,
  TossErrorBody,
  TossPayment,
} from './toss-types';

export interface TossClientConfig {
  baseUrl: string;
  secretKey: string;
  timeoutMs?: number;
}

/** The Toss Payments HTTP protocol (docs/toss-gateway.md): Basic auth with `secretKey:`, JSON bodies, `{code, message}` errors. */
export class TossPaymentsClient implements PaymentGateway {
  private readonly authorization: string;

  constructor(private readonly config: TossClientConfig) {
    // The trailing colon is the empty password Toss expects.
    this.authorization = `Basic ${Buffer.from(`${config.secretKey}:`).toString('base64')}`;
  }

  issueBillingKey(req: { authKey: string; customerKey: string }, opts?: CallOptions) {
    return this.request<TossBillingAuthorization>('POST', '/v1/billing/authorizations/issue', req, opts);
  }

  issueBillingKeyWithCard(req: TossCardAuthorizationRequest, opts?: CallOptions) {
    return this.request<TossBillingAuthorization>('POST', '/v1/billing/authorizations/card', req, opts);
  }

  chargeBillingKey(billingKey: string, req: TossChargeRequest, opts?: CallOptions) {
    // KRW is Toss's default: leave it out so KRW charges send the documented body, byte for byte.
    const { currency, ...krwBody } = req;
    const body = currency === undefined || currency === 'KRW' ? krwBody : req;
    return this.request<TossPayment>('POST', `/v1/billing/${encodeURIComponent(billingKey)}`, body, opts);
  }

  getPaymentByOrderId(orderId: string) {
    return this.orNull(this.request<TossPayment>('GET', `/v1/payments/orders/${encodeURIComponent(orderId)}`));
  }

  getPayment(paymentKey: string) {
    return this.orNull(this.request<TossPayment>('GET', `/v1/payments/${encodeURIComponent(paymentKey)}`));
  }

  cancelPayment(paymentKey: string, req: { cancelReason: string; cancelAmount?: number }, opts?: CallOptions) {
    return this.request<TossPayment>('POST', `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, req, opts);
  }

  private async orNull<T>(call: Promise<T>): Promise<T | null> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof TossApiError && error.status === 404) return null;
      throw error;
    }
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: this.authorization };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    if (opts.testCode) headers['TossPayments-Test-Code'] = opts.testCode;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.config.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000),
      });
    } catch (error) {
      // No answer: the outcome is unknown, which the caller reconciles by order lookup.
      throw new TossApiError(0, 'NETWORK_ERROR', (error as Error).message);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new TossApiError(response.status, 'UNKNOWN_ERROR', `non-JSON response (HTTP ${response.status})`);
    }
    if (!response.ok) {
      const err = (parsed ?? {}) as Partial<TossErrorBody>;
      throw new TossApiError(response.status, err.code ?? 'UNKNOWN_ERROR', err.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
