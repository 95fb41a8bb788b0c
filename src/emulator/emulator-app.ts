/**
 * A local Toss Payments billing API (docs/toss-gateway.md): same paths, bodies, status codes, Basic auth and
 * idempotency semantics as §6.2, plus `/emulator/*` control endpoints for tests and demos.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { CURRENCIES, isCurrency, vatBreakdown } from '../domain/money';
import type { TossBillingAuthorization, TossCurrency, TossPayment } from '../gateway/toss-types';
import { cardWindowRoutes, WindowAuthKeys } from './card-window';
import { isKnownErrorCode, tossError } from './error-catalog';
import { EmulatorStore } from './emulator-store';
import { cardForNumber, luhnValid, maskCardNumber, TEST_CARDS, testCardByAuthKey, type TestCard } from './test-cards';

export interface EmulatorOptions {
  secretKey: string;
  latencyMs?: number;
  /** Journal file that keeps billing keys, payments and charges across restarts (see emulator-store.ts). */
  statePath?: string;
  mId?: string;
}

interface Reply {
  status: number;
  body: unknown;
  /** The work was done and this reply is kept for repeats, but the caller gets a 500 with this detail. */
  lostInTransit?: string;
}

const IDEMPOTENCY_TTL_MS = 15 * 24 * 60 * 60 * 1000;
const ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,50}$/;

const fail = (code: string, detail?: string): Reply => tossError(code, detail);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `2024-05-01T12:00:00+09:00`: Toss reports times in KST with an offset. */
function kst(ms: number): string {
  return `${new Date(ms + 9 * 3600_000).toISOString().slice(0, 19)}+09:00`;
}

/**
 * The receipt split of a charge. Korean VAT (1/11 of the taxable part, docs/lifecycle.md §6) applies to won
 * charges only; a foreign-currency charge reports no VAT, so all of its taxable part is supplied.
 */
function receiptSplit(totalAmount: number, taxFreeAmount: number, currency: TossCurrency): { suppliedAmount: number; vat: number } {
  if (currency === 'KRW') return vatBreakdown(totalAmount, taxFreeAmount);
  return { suppliedAmount: totalAmount - taxFreeAmount, vat: 0 };
}

function randomKey(prefix: string, bytes = 16): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}

export function createTossEmulator(options: EmulatorOptions) {
  const store = new EmulatorStore(options.statePath);
  const mId = options.mId ?? 'tvivarepublica';
  let latencyMs = options.latencyMs ?? 0;
  /** An incident at Toss: charges go through but their answers are lost, and lookups fail too. */
  let losingResponses = false;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));
  /** The card window's authKeys (card-window.ts): one issuance each. */
  const windowAuthKeys = new WindowAuthKeys();
  app.use(cardWindowRoutes(windowAuthKeys));

  function authenticate(req: Request): Reply | null {
    const header = req.get('authorization');
    if (!header?.startsWith('Basic ')) return fail('UNAUTHORIZED_KEY');
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    if (!decoded.endsWith(':')) return fail('INCORRECT_BASIC_AUTH_FORMAT');
    if (decoded.slice(0, -1) !== options.secretKey) return fail('UNAUTHORIZED_KEY');
    return null;
  }

  /** Runs a protocol handler with auth, latency, the test-code header and idempotency around it. */
  const protocol =
    (handler: (req: Request) => Reply | Promise<Reply>) =>
    async (req: Request, res: Response): Promise<void> => {
      const send = (reply: Reply) => void res.status(reply.status).json(reply.body);
      if (latencyMs > 0) await sleep(latencyMs);
      const authError = authenticate(req);
      if (authError) return send(authError);
      const idempotencyKey = req.method === 'POST' ? req.get('idempotency-key') : undefined;
      if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 300)) {
        return send(fail('INVALID_IDEMPOTENCY_KEY'));
      }
      const scope = idempotencyKey && `${options.secretKey} ${req.method} ${req.originalUrl} ${idempotencyKey}`;
      if (scope) {
        const seen = store.idempotency.get(scope);
        if (seen && seen.expiresAtMs > Date.now()) {
          if (seen.state === 'processing') return send(fail('IDEMPOTENT_REQUEST_PROCESSING'));
          if (losingResponses) return send(fail('FAILED_INTERNAL_SYSTEM_PROCESSING', 'response lost (incident)'));
          // The first response, whatever the repeat's body says.
          return send({ status: seen.status, body: seen.body });
        }
        store.idempotency.set(scope, { state: 'processing', status: 0, body: null, expiresAtMs: Date.now() + IDEMPOTENCY_TTL_MS });
      }
      let reply: Reply;
      const testCode = req.get('tosspayments-test-code');
      if (testCode && options.secretKey.startsWith('test_')) {
        reply = isKnownErrorCode(testCode) ? fail(testCode) : fail('INVALID_REQUEST', `unknown test code ${testCode}`);
      } else {
        try {
          reply = await handler(req);
        } catch (error) {
          reply = fail('FAILED_INTERNAL_SYSTEM_PROCESSING', (error as Error).message);
        }
      }
      if (scope) store.idempotency.set(scope, { state: 'done', status: reply.status, body: reply.body, expiresAtMs: Date.now() + IDEMPOTENCY_TTL_MS });
      // Toss did the work and keeps its answer for a repeat with the same key; only this delivery is lost.
      send(reply.lostInTransit ? fail('FAILED_INTERNAL_SYSTEM_PROCESSING', reply.lostInTransit) : reply);
    };

  function authorize(customerKey: string, card: TestCard): TossBillingAuthorization {
    const masked = maskCardNumber(card.number);
    const authorization: TossBillingAuthorization = {
      mId,
      customerKey,
      authenticatedAt: kst(Date.now()),
      method: '카드',
      billingKey: randomKey('bk_', 24),
      cardCompany: card.company,
      cardNumber: masked,
      card: { issuerCode: card.issuerCode, acquirerCode: card.issuerCode, number: masked, cardType: '신용', ownerType: '개인' },
    };
    store.billingKeys.set(authorization.billingKey, { authorization, card });
    return authorization;
  }

  const body = (req: Request): Record<string, unknown> => (req.body && typeof req.body === 'object' ? req.body : {});

  app.post(
    '/v1/billing/authorizations/issue',
    protocol((req) => {
      const { authKey, customerKey } = body(req);
      if (typeof authKey !== 'string' || typeof customerKey !== 'string') return fail('INVALID_REQUEST', 'authKey and customerKey are required');
      if (!CUSTOMER_KEY.test(customerKey)) return fail('INVALID_REQUEST', 'customerKey format');
      if (windowAuthKeys.isWindowKey(authKey)) {
        const granted = windowAuthKeys.take(authKey);
        if (!granted) return fail('INVALID_REQUEST', 'unknown, used or expired authKey');
        if (granted.customerKey !== customerKey) return fail('NOT_MATCHES_CUSTOMER_KEY');
        return { status: 200, body: authorize(customerKey, granted.card) };
      }
      const card = testCardByAuthKey(authKey);
      if (!card) return fail('INVALID_REQUEST', `unknown authKey; use auth_<card alias>, aliases: ${TEST_CARDS.map((c) => c.alias).join(', ')}`);
      return { status: 200, body: authorize(customerKey, card) };
    }),
  );

  app.post(
    '/v1/billing/authorizations/card',
    protocol((req) => {
      const b = body(req);
      const fields = ['customerKey', 'cardNumber', 'cardExpirationYear', 'cardExpirationMonth', 'customerIdentityNumber'];
      const missing = fields.filter((f) => typeof b[f] !== 'string' || b[f] === '');
      if (missing.length) return fail('INVALID_REQUEST', `missing ${missing.join(', ')}`);
      if (!CUSTOMER_KEY.test(b.customerKey as string)) return fail('INVALID_REQUEST', 'customerKey format');
      const cardNumber = b.cardNumber as string;
      if (!luhnValid(cardNumber)) return fail('INVALID_CARD_NUMBER');
      return { status: 200, body: authorize(b.customerKey as string, cardForNumber(cardNumber)) };
    }),
  );

  app.post(
    '/v1/billing/:billingKey',
    protocol((req) => {
      const b = body(req);
      const { customerKey, amount, orderId, orderName } = b;
      const taxFreeAmount = b.taxFreeAmount ?? 0;
      // Optional; Toss charges won unless told otherwise. An explicit null is not "absent".
      const currency = b.currency === undefined ? 'KRW' : b.currency;
      if (typeof customerKey !== 'string' || typeof orderId !== 'string' || typeof orderName !== 'string') {
        return fail('INVALID_REQUEST', 'customerKey, amount, orderId and orderName are required');
      }
      if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) return fail('INVALID_REQUEST', 'amount must be an integer');
      if (typeof taxFreeAmount !== 'number' || !Number.isSafeInteger(taxFreeAmount) || taxFreeAmount < 0 || taxFreeAmount > amount) {
        return fail('INVALID_REQUEST', 'taxFreeAmount');
      }
      if (typeof currency !== 'string' || !isCurrency(currency)) {
        return fail('INVALID_REQUEST', `currency must be one of ${CURRENCIES.join(', ')} (default KRW), got ${JSON.stringify(currency)}`);
      }
      if (!ORDER_ID.test(orderId)) return fail('INVALID_ORDER_ID');
      const stored = store.billingKeys.get(String(req.params.billingKey));
      if (!stored) return fail('NOT_FOUND_BILLING');
      if (stored.authorization.customerKey !== customerKey) return fail('NOT_MATCHES_CUSTOMER_KEY');
      // The 100-won card minimum is a won rule; other currencies' amounts are minor units (cents …).
      if (currency === 'KRW' && amount < 100) return fail('BELOW_MINIMUM_AMOUNT');
      const existingKey = store.paymentKeyByOrderId.get(orderId);
      if (existingKey) return fail('DUPLICATED_ORDER_ID');

      const record = (result: string, paymentKey: string | null) =>
        store.recordCharge({ orderId, customerKey, amount, currency, result, paymentKey, at: new Date().toISOString() });
      const outcome = store.nextScriptedOutcome(customerKey) ?? stored.card.chargeOutcome;
      if (outcome !== 'APPROVE') {
        record(outcome, null);
        return fail(outcome);
      }
      const now = Date.now();
      const split = receiptSplit(amount, taxFreeAmount, currency);
      const payment: TossPayment = {
        mId,
        paymentKey: randomKey('tbill', 16),
        orderId,
        orderName,
        status: 'DONE',
        type: 'BILLING',
        method: '카드',
        requestedAt: kst(now),
        approvedAt: kst(now),
        totalAmount: amount,
        balanceAmount: amount,
        suppliedAmount: split.suppliedAmount,
        vat: split.vat,
        taxFreeAmount,
        currency,
        customerKey,
        card: { ...stored.authorization.card, approveNo: String(now % 1e8).padStart(8, '0'), amount },
        receipt: { url: `https://dashboard.tosspayments.com/receipt/emulator/${orderId}` },
        cancels: null,
      };
      // Also indexes it by orderId.
      store.payments.set(payment.paymentKey, payment);
      record('DONE', payment.paymentKey);
      if (losingResponses) return fail('FAILED_INTERNAL_SYSTEM_PROCESSING', 'response lost after approval (incident)');
      if (stored.card.losesFirstResponse && !store.lostResponses.has(orderId)) {
        store.lostResponses.add(orderId);
        return fail('FAILED_INTERNAL_SYSTEM_PROCESSING', 'response lost after approval');
      }
      return { status: 200, body: payment };
    }),
  );

  app.get(
    '/v1/payments/orders/:orderId',
    protocol((req) => {
      if (losingResponses) return fail('FAILED_INTERNAL_SYSTEM_PROCESSING', 'lookup failed (incident)');
      const key = store.paymentKeyByOrderId.get(String(req.params.orderId));
      const payment = key && store.payments.get(key);
      return payment ? { status: 200, body: payment } : fail('NOT_FOUND_PAYMENT');
    }),
  );

  app.get(
    '/v1/payments/:paymentKey',
    protocol((req) => {
      const payment = store.payments.get(String(req.params.paymentKey));
      return payment ? { status: 200, body: payment } : fail('NOT_FOUND_PAYMENT');
    }),
  );

  app.post(
    '/v1/payments/:paymentKey/cancel',
    protocol((req) => {
      const payment = store.payments.get(String(req.params.paymentKey));
      if (!payment) return fail('NOT_FOUND_PAYMENT');
      const { cancelReason, cancelAmount } = body(req);
      if (typeof cancelReason !== 'string' || cancelReason.length === 0 || cancelReason.length > 200) {
        return fail('INVALID_REQUEST', 'cancelReason is required (1–200 chars)');
      }
      if (payment.balanceAmount === 0) return fail('ALREADY_CANCELED_PAYMENT');
      const amount = cancelAmount === undefined ? payment.balanceAmount : cancelAmount;
      if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return fail('INVALID_REQUEST', 'cancelAmount');
      if (amount > payment.balanceAmount) return fail('NOT_CANCELABLE_AMOUNT');
      const balanceAmount = payment.balanceAmount - amount;
      const updated: TossPayment = {
        ...payment,
        balanceAmount,
        status: balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED',
        cancels: [
          ...(payment.cancels ?? []),
          { transactionKey: randomKey('tx', 12), cancelReason, cancelAmount: amount, canceledAt: kst(Date.now()), cancelStatus: 'DONE' },
        ],
      };
      store.payments.set(payment.paymentKey, updated);
      return { status: 200, body: updated, ...(losingResponses ? { lostInTransit: 'response lost after the refund (incident)' } : {}) };
    }),
  );

  // ---- control endpoints (not part of Toss) ----------------------------------------------------
  app.get('/emulator/test-cards', (_req, res) => void res.json(TEST_CARDS));

  app.get('/emulator/charges', (req, res) => {
    const { customerKey, orderId } = req.query;
    res.json(
      store.charges.filter(
        (c) => (customerKey === undefined || c.customerKey === customerKey) && (orderId === undefined || c.orderId === orderId),
      ),
    );
  });

  app.post('/emulator/scripts', (req, res) => {
    const { customerKey, outcomes } = body(req);
    const valid =
      typeof customerKey === 'string' &&
      Array.isArray(outcomes) &&
      outcomes.every((o) => typeof o === 'string' && (o === 'APPROVE' || isKnownErrorCode(o)));
    if (!valid) {
      res.status(400).json({ code: 'INVALID_REQUEST', message: 'expected {customerKey, outcomes: ["APPROVE" | <Toss error code>, …]}' });
      return;
    }
    store.scripts.set(customerKey, [...(store.scripts.get(customerKey) ?? []), ...(outcomes as string[])]);
    res.status(204).end();
  });

  app.put('/emulator/latency', (req, res) => {
    const { latencyMs: value } = body(req);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 60_000) {
      res.status(400).json({ code: 'INVALID_REQUEST', message: 'latencyMs: integer 0–60000' });
      return;
    }
    latencyMs = value;
    res.status(204).end();
  });

  app.put('/emulator/incident', (req, res) => {
    const { losesResponses } = body(req);
    if (typeof losesResponses !== 'boolean') {
      res.status(400).json({ code: 'INVALID_REQUEST', message: 'losesResponses: boolean' });
      return;
    }
    losingResponses = losesResponses;
    res.status(204).end();
  });

  app.post('/emulator/reset', (_req, res) => {
    store.reset();
    res.status(204).end();
  });

  app.use((_req: Request, res: Response) => void res.status(404).json(tossError('NOT_FOUND').body));
  // Malformed JSON and other body errors answer like Toss does: a 400 with a code.
  app.use((error: Error, _req: Request, res: Response, _next: express.NextFunction) => {
    const reply = fail('INVALID_REQUEST', error.message);
    res.status(reply.status).json(reply.body);
  });

  return {
    app,
    store,
    setLatency: (ms: number) => void (latencyMs = ms),
    /** Charges approve but answer 500, order lookups answer 500: the gateway's outcome is unknown. */
    setLosingResponses: (on: boolean) => void (losingResponses = on),
  };
}
