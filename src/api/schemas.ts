/** Request shapes at the HTTP edge (zod); the domain re-checks its own rules. */
import { z } from 'zod';
import { INTERVAL_UNITS } from '../domain/calendar';
import { isCurrency } from '../domain/money';
import { parseLocalDate } from '../domain/local-date';
import { REPLACEMENT_MODES } from '../domain/plan-change';
import { REVOKE_REFUNDS } from '../domain/revoke';
import { SUBSCRIPTION_STATUSES } from '../domain/subscription-status';

export const CUSTOMER_KEY = z
  .string()
  .regex(/^[A-Za-z0-9\-_=.,@]{2,50}$/, 'customerKey: 2–50 chars of A-Z a-z 0-9 - _ = . , @ (Toss rule)');

export const ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id');

export const issuePaymentMethodBody = z.strictObject({
  authKey: z.string().min(1).max(300),
});

export const createSubscriptionBody = z.strictObject({
  customerKey: CUSTOMER_KEY,
  planId: ID,
  paymentMethodId: ID,
  timeZone: z.string().min(1).max(64).optional().meta({ description: 'IANA time zone the billing calendar runs in (default Asia/Seoul)', example: 'Asia/Seoul' }),
  /** Start with the plan's trial when the customer has not had one for this product (default true). */
  trial: z.boolean().optional().meta({ description: "Start with the plan's trial if the customer has not had one for this product (default true)" }),
  /**
   * A later start (ISO instant with offset): nothing is charged or granted before it. At most
   * one year ahead; the route checks that against its clock (see validate.ts).
   */
  startAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'A later start, at most one year ahead: nothing is charged or granted before it' }),
});

export const paymentMethodChangeBody = z.strictObject({ paymentMethodId: ID });

/** A POST that takes no body accepts none or `{}` (see `parseNoBody` in validate.ts). */
export const emptyBody = z.union([z.strictObject({}), z.undefined()]);

/** A `limit` query parameter: digits only, since coercion alone would take "1e2", " 5" or "0x10". */
export const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, `limit: an integer from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback)
    .meta({ description: `How many to answer: 1 to ${max} (default ${fallback})` });

export const listSubscriptionsQuery = z.strictObject({
  customerKey: CUSTOMER_KEY.optional(),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  limit: limitParam(200, 50),
});

const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;

/**
 * A real local date-time without offset. Checked here because Temporal reads a leap second
 * (`23:59:60`) as `23:59:59` instead of rejecting it.
 */
export function isRealLocalDateTime(text: string): boolean {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return false;
  const [, date, hour, minute, second = '00'] = match;
  return parseLocalDate(date!) !== null && Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59;
}

export const schedulePreviewBody = z.strictObject({
  interval: z.strictObject({
    unit: z.enum(INTERVAL_UNITS),
    count: z.number().int().min(1).max(120),
  }),
  /** Local date-time without offset, e.g. 2025-01-31T00:30; no later than a year from now (the route checks). */
  anchor: z.string().refine(isRealLocalDateTime, 'anchor: a real local date-time without offset, e.g. 2025-01-31T00:30'),
  timeZone: z.string().min(1).max(64).default('Asia/Seoul'),
  count: z.number().int().min(1).max(1000).default(12),
});

/** A real calendar date; how far it may be is the domain's rule (defer, pause bound it). */
const LOCAL_DATE = z.string().refine((text) => parseLocalDate(text) !== null, 'expected a real local date YYYY-MM-DD (in the subscription\'s time zone)');
const REASON = z.string().min(1).max(200);

export const planChangePreviewBody = z.strictObject({
  planId: ID,
  /** One of the five replacement modes; absent = the default for this kind of change. */
  mode: z.enum(REPLACEMENT_MODES).optional(),
});

export const planChangeBody = planChangePreviewBody.extend({
  /** The preview's `chargeNow` (minor units): applied only if the change still charges exactly that. */
  expectedChargeNow: z.number().int().nonnegative().optional().meta({ description: "The preview's chargeNow: the change happens only if it still charges exactly that" }),
});

export const deferBody = z.strictObject({ until: LOCAL_DATE });
export const pauseBody = z.strictObject({ until: LOCAL_DATE });

export const revokeBody = z.strictObject({
  refund: z.enum(REVOKE_REFUNDS),
  reason: REASON.optional(),
});

export const refundBody = z.union([
  z.strictObject({
    /** Minor units; absent = the whole remaining balance. */
    amount: z.number().int().positive().optional().meta({ description: 'Minor units; absent = the whole remaining balance' }),
    reason: REASON.optional(),
  }),
  z.undefined(),
]);

const MINOR_UNITS = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const interval = z.strictObject({ unit: z.enum(INTERVAL_UNITS), count: z.number().int().min(1).max(120) });
const dunningPolicy = z.strictObject({
  gracePeriodDays: z.number().int(),
  accountHoldDays: z.number().int(),
  graceRetryDayOffsets: z.array(z.number().int()).max(30),
  holdRetryEveryDays: z.number().int(),
});

/** A plan's definition; the domain (assertValidPlan) checks the rules between fields. */
const planTerms = {
  product: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'product: 1–64 chars of a-z, 0-9, _ and -'),
  name: z.string().min(1).max(100),
  price: MINOR_UNITS,
  currency: z.string().refine(isCurrency, 'currency: an ISO 4217 code this service supports (KRW, USD, …)'),
  interval,
  autoRenew: z.boolean(),
  trialDays: z.number().int().nullable(),
  intro: z.strictObject({ price: MINOR_UNITS, periods: z.number().int() }).nullable(),
  dunning: dunningPolicy,
};

export const createPlanBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'id: 2–64 chars of a-z, 0-9, _ and -'),
  ...planTerms,
  currency: planTerms.currency.default('KRW'),
  autoRenew: planTerms.autoRenew.default(true),
  trialDays: planTerms.trialDays.optional(),
  intro: planTerms.intro.optional(),
  dunning: planTerms.dunning.optional(),
});

/** Any subset of the definition; `null` removes a trial or an intro price. */
export const updatePlanBody = z.strictObject(planTerms).partial().refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const listPlansQuery = z.strictObject({ includeArchived: z.enum(['true', 'false']).optional() });

/** An absolute http(s) URL a browser is sent to. */
const BROWSER_URL = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'an absolute http or https URL without credentials');

export const createBillingAuthSessionBody = z.strictObject({
  customerKey: CUSTOMER_KEY,
  returnUrl: BROWSER_URL.meta({ description: 'Where the browser goes when the registration ends, with paymentMethodId or error added to its query' }),
});

/** A card-registration session's token, as the success and fail URLs carry it. */
const SESSION_TOKEN = z.string().regex(/^bas_[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/, 'session: the token of a card-registration session');

/** What Toss's card window adds to the successUrl; anything else it might add is ignored. */
export const billingAuthSuccessQuery = z.object({
  session: SESSION_TOKEN,
  customerKey: CUSTOMER_KEY,
  authKey: z.string().min(1).max(300),
});

/** What Toss's card window adds to the failUrl. */
export const billingAuthFailQuery = z.object({
  session: SESSION_TOKEN,
  code: z.string().regex(/^[A-Z0-9_]{1,64}$/, 'code: a Toss error code'),
  message: z.string().max(500).optional(),
});
