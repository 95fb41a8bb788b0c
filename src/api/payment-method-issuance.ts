/**
 * Registering a card: the authKey of the card window becomes a Toss billing key, stored encrypted
 * at once and never shown again (docs/toss-gateway.md). Both ways in use it: the API's POST, and the
 * browser's return from the card window (docs/card-registration.md).
 */
import { randomBytes } from 'node:crypto';
import type { PaymentMethodView } from '../db/payment-methods-repo';
import { classifyTossError } from '../gateway/error-classification';
import { TossApiError } from '../gateway/toss-api-error';
import type { ApiDeps } from './deps';
import { digest } from './idempotency';
import { HttpProblem } from './problem';

export const newPaymentMethodId = () => `pm_${randomBytes(10).toString('hex')}`;

/** Under an idempotency key the id is the same for every retry, so retried issuance makes one row. */
export const derivedPaymentMethodId = (customerKey: string, idempotencyKey: string) =>
  `pm_${digest('payment-method', customerKey, idempotencyKey).slice(0, 20)}`;

const UNKNOWN_AUTH_KEY_CODES: ReadonlySet<string> = new Set(['INVALID_REQUEST', 'NOT_FOUND', 'INVALID_BILL_KEY_REQUEST']);

/**
 * Toss's answer to a failed issuance, as an HTTP problem. Our own parameters are validated before
 * the call, so an INVALID_REQUEST (or a not-found) can only be about the authKey.
 */
function issuanceProblem(error: TossApiError): HttpProblem {
  const extra = { gatewayCode: error.code };
  if (UNKNOWN_AUTH_KEY_CODES.has(error.code)) {
    return new HttpProblem(422, 'unknown-auth-key', `the payment gateway does not know this authKey: ${error.message}`, {
      ...extra,
      errors: [{ field: 'authKey', message: 'unknown or expired authKey' }],
    });
  }
  const cls = classifyTossError(error.code);
  if (cls === 'soft' || cls === 'hard') return new HttpProblem(422, 'card-declined', `the card was declined at registration: ${error.message}`, extra);
  return new HttpProblem(502, 'billing-key-issuance-failed', `billing key issuance failed: ${error.message}`, extra);
}

/**
 * Issues the billing key and stores the payment method. With `idempotencyKey`, a retry (or a
 * parallel duplicate) gets the same billing key from Toss and lands on the same row.
 */
export async function issuePaymentMethod(
  deps: Pick<ApiDeps, 'gateway' | 'paymentMethods' | 'logger'>,
  request: { customerKey: string; authKey: string; idempotencyKey?: string | undefined },
): Promise<PaymentMethodView> {
  const { customerKey, authKey, idempotencyKey } = request;
  let authorization;
  try {
    authorization = await deps.gateway.issueBillingKey(
      { authKey, customerKey },
      // A digest, never a cut: two long keys must not share a billing key.
      idempotencyKey ? { idempotencyKey: `pm-${digest('payment-method', customerKey, idempotencyKey)}` } : {},
    );
  } catch (error) {
    if (!(error instanceof TossApiError)) throw error;
    throw issuanceProblem(error);
  }
  const view = await deps.paymentMethods.insert({
    id: idempotencyKey === undefined ? newPaymentMethodId() : derivedPaymentMethodId(customerKey, idempotencyKey),
    customerKey,
    billingKey: authorization.billingKey,
    cardNumberMasked: authorization.card.number,
    cardCompany: authorization.cardCompany,
    cardType: authorization.card.cardType,
    ownerType: authorization.card.ownerType,
  });
  deps.logger.info({ paymentMethodId: view.id, customerKey }, 'payment method registered');
  return view;
}
