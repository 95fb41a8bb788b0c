import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { classifyTossError } from '../../gateway/error-classification';
import { TossApiError } from '../../gateway/toss-api-error';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { CUSTOMER_KEY, issuePaymentMethodBody } from '../schemas';
import { parse } from '../validate';

export const newPaymentMethodId = () => `pm_${randomBytes(10).toString('hex')}`;

/** Billing-key issuance (seed 000): the key is stored encrypted at once and never shown again. */
export function paymentMethodRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/v1/customers/:customerKey/payment-methods', idempotent(deps.pool, 'payment-methods'), async (req, res) => {
    const customerKey = parse(CUSTOMER_KEY, req.params.customerKey, 'customerKey');
    const { authKey } = parse(issuePaymentMethodBody, req.body);
    const idempotencyKey = req.get('idempotency-key');
    let authorization;
    try {
      authorization = await deps.gateway.issueBillingKey(
        { authKey, customerKey },
        idempotencyKey ? { idempotencyKey: `pm-${customerKey}-${idempotencyKey}`.slice(0, 300) } : {},
      );
    } catch (error) {
      if (!(error instanceof TossApiError)) throw error;
      const cls = classifyTossError(error.code);
      const status = cls === 'transient' || cls === 'merchant' ? 502 : 422;
      throw new HttpProblem(status, status === 502 ? 'billing-key-issuance-failed' : 'unknown-auth-key', `billing key issuance failed: ${error.message}`, { gatewayCode: error.code });
    }
    const view = await deps.paymentMethods.insert({
      id: newPaymentMethodId(),
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
