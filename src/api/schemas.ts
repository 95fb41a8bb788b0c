/** Request shapes at the HTTP edge (zod); the domain re-checks its own rules. */
import { z } from 'zod';
import { INTERVAL_UNITS } from '../domain/calendar';
import { REPLACEMENT_MODES } from '../domain/plan-change';
import { REVOKE_REFUNDS } from '../domain/revoke';

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
  timeZone: z.string().min(1).max(64).optional(),
  /** Start with the plan's trial when the customer has not had one for this product (default true). */
  trial: z.boolean().optional(),
  /** A later start (ISO instant with offset): nothing is charged or granted before it. */
  startAt: z.iso.datetime({ offset: true }).optional(),
});

export const paymentMethodChangeBody = z.strictObject({ paymentMethodId: ID });

export const emptyBody = z.union([z.strictObject({}), z.undefined()]);

export const listSubscriptionsQuery = z.strictObject({
  customerKey: CUSTOMER_KEY.optional(),
  status: z.string().regex(/^[A-Z_]+$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const schedulePreviewBody = z.strictObject({
  interval: z.strictObject({
    unit: z.enum(INTERVAL_UNITS),
    count: z.number().int().min(1).max(120),
  }),
  /** Local date-time without offset, e.g. 2025-01-31T00:30. */
  anchor: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/, 'anchor: local date-time without offset, e.g. 2025-01-31T00:30'),
  timeZone: z.string().min(1).max(64).default('Asia/Seoul'),
  count: z.number().int().min(1).max(1000).default(12),
});

const LOCAL_DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a local date YYYY-MM-DD (in the subscription\'s time zone)');
const REASON = z.string().min(1).max(200);

export const planChangePreviewBody = z.strictObject({
  planId: ID,
  /** One of the five replacement modes; absent = the default for this kind of change. */
  mode: z.enum(REPLACEMENT_MODES).optional(),
});

export const planChangeBody = planChangePreviewBody.extend({
  /** The preview's `chargeNow` (minor units): applied only if the change still charges exactly that. */
  expectedChargeNow: z.number().int().nonnegative().optional(),
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
    amount: z.number().int().positive().optional(),
    reason: REASON.optional(),
  }),
  z.undefined(),
]);
