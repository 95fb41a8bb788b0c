import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf, idempotent } from '../idempotency';
import { issuePaymentMethod } from '../payment-method-issuance';
import { CUSTOMER_KEY, issuePaymentMethodBody } from '../schemas';
import { parse } from '../validate';

/** Billing-key issuance from an authKey (seed 000); the browser's own way in is billing-auth.ts. */
export function paymentMethodRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/v1/customers/:customerKey/payment-methods', idempotent(deps.pool, 'payment-methods'), async (req, res) => {
    const customerKey = parse(CUSTOMER_KEY, req.params.customerKey, 'customerKey');
    const { authKey } = parse(issuePaymentMethodBody, req.body);
    res.status(201).json(await issuePaymentMethod(deps, { customerKey, authKey, idempotencyKey: idempotencyKeyOf(req) }));
  });

  router.get('/v1/customers/:customerKey/payment-methods', async (req, res) => {
    const customerKey = parse(CUSTOMER_KEY, req.params.customerKey, 'customerKey');
    res.json({ paymentMethods: await deps.paymentMethods.listForCustomer(customerKey) });
  });
  return router;
}
