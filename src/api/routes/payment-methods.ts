import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { classifyTossError } from '../../gateway/error-classification';
import { TossApiError } from '../../gateway/toss-api-error';
import type { ApiDeps } from '../deps';
import { digest, idempotencyKeyOf, idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { CUSTOMER_KEY, issuePaymentMethodBody } from '../schemas';
import { parse } from '../validate';

export const newPaymentMethodId = () => `pm_${randomBytes(10).toString('hex')}`;

/** Under an Idempotency-Key the id is the same for every retry, so retried issuance makes one row. */
export const derivedPaymentMethodId = (customerKey: string, idempotencyKey: string) =>
  `pm_${digest('payment-method', customerKey, idempotencyKey).slice(0, 20)}`;

/**
 * Toss's answer to a failed issuance, as an HTTP problem. Our own parameters are validated before
 * the call, so an INVALID_REQUEST (or a not-found) can only be about the authKey the client sent.
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

const UNKNOWN_AUTH_KEY_CODES: ReadonlySet<string> = new Set(['INVALID_REQUEST', 'NOT_FOUND', 'INVALID_BILL_KEY_REQUEST']);

/** Billing-key issuance (seed 000): the key is stored encrypted at once and never shown again. */
export function paymentMethodRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/v1/customers/:customerKey/payment-methods', idempotent(deps.pool, 'payment-methods'), async (req, res) => {
    const customerKey = parse(CUSTOMER_KEY, req.params.customerKey, 'customerKey');
    const { authKey } = parse(issuePaymentMethodBody, req.body);
    const idempotencyKey = idempotencyKeyOf(req);
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
    res.status(201).json(view);
  });

  router.get('/v1/customers/:customerKey/payment-methods', async (req, res) => {
    const customerKey = parse(CUSTOMER_KEY, req.params.customerKey, 'customerKey');
    res.json({ paymentMethods: await deps.paymentMethods.listForCustomer(customerKey) });
  });
  return router;
}
