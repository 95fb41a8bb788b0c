/** A subscription as the API answers it, and the answers built around it (docs/lifecycle.md §2). */
import { z } from 'zod';
import { REPLACEMENT_MODES, type PlanChangeQuoteView } from '../../../domain/plan-change';
import type { SubscriptionSnapshot } from '../../../domain/subscription-snapshot';
import { SUBSCRIPTION_STATUSES } from '../../../domain/subscription-status';
import type { PlanChangeResult } from '../../../../workflows/messages';
import { sameType } from '../same-type';
import { INSTANT, MINOR_UNITS } from './common';

const DECLINE_KINDS = ['soft', 'hard'] as const;
const REVOKE_REFUNDS = ['none', 'prorated', 'full'] as const;

export const subscription = z
  .object({
    subscriptionId: z.string(),
    customerKey: z.string(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    entitled: z.boolean().meta({ description: 'Whether the customer has access now' }),
    planId: z.string(),
    product: z.string(),
    price: MINOR_UNITS,
    currency: z.string(),
    paymentMethodId: z.string(),
    timeZone: z.string().meta({ example: 'Asia/Seoul' }),
    anchor: z.string().meta({ description: 'The local date-time every period is counted from', example: '2027-01-31T09:00' }),
    currentPeriod: z.object({ start: INSTANT, end: INSTANT }),
    nextBillingAt: INSTANT.nullable(),
    nextChargeAmount: MINOR_UNITS.nullable().meta({ description: 'What the next scheduled charge bills (intro price, or a pending plan\'s price)' }),
    expiresAt: INSTANT.nullable().meta({ description: 'When access ends if nothing changes (canceled, prepaid)' }),
    trialEndsAt: INSTANT.nullable(),
    introPeriodsLeft: z.number().int().min(0),
    pendingChange: z.object({ planId: z.string(), effectiveAt: INSTANT, requestedAt: INSTANT }).nullable(),
    pause: z.object({ startsAt: INSTANT, resumeAt: INSTANT }).nullable(),
    dunning: z
      .object({
        declineKind: z.enum(DECLINE_KINDS),
        lastDeclineCode: z.string(),
        graceEndsAt: INSTANT,
        holdEndsAt: INSTANT,
        nextRetryAt: INSTANT.nullable(),
      })
      .nullable(),
    blocked: z.object({ code: z.string(), message: z.string() }).nullable(),
    lastPayment: z.object({ paymentId: z.string(), amount: MINOR_UNITS, refunded: MINOR_UNITS, approvedAt: INSTANT }).nullable(),
    revocation: z.object({ refund: z.enum(REVOKE_REFUNDS), at: INSTANT, refundedAmount: MINOR_UNITS, refundError: z.string().nullable() }).nullable(),
    unsettledPurchases: z.array(z.object({ orderId: z.string(), amount: MINOR_UNITS, what: z.string(), attemptedAt: INSTANT, nextCheckAt: INSTANT })),
    unsettledOrders: z.array(z.object({ orderId: z.string(), amount: MINOR_UNITS, attemptedAt: INSTANT.nullable(), nextCheckAt: INSTANT.nullable() })),
    pendingRefunds: z.array(z.object({ refundId: z.string(), paymentId: z.string(), amount: MINOR_UNITS, kind: z.enum(['refund', 'revoke']), nextCheckAt: INSTANT })),
    voidFailures: z.array(z.object({ orderId: z.string(), amount: MINOR_UNITS, reason: z.string() })),
    counters: z.object({
      paidCycles: z.number().int(),
      chargeAttempts: z.number().int(),
      declinedAttempts: z.number().int(),
      amountCharged: MINOR_UNITS,
      amountRefunded: MINOR_UNITS,
    }),
    cycle: z.number().int(),
    createdAt: INSTANT,
    endedAt: INSTANT.nullable(),
    version: z.number().int().meta({ description: 'Grows with every change; a newer snapshot has a larger version' }),
  })
  .meta({ id: 'Subscription' });
sameType<z.output<typeof subscription>, SubscriptionSnapshot>(true);

/** A subscription listed before its workflow first wrote its snapshot (a moment after its create). */
export const subscriptionStub = z
  .object({ subscriptionId: z.string(), status: z.enum(SUBSCRIPTION_STATUSES), customerKey: z.string(), planId: z.string() })
  .meta({ id: 'SubscriptionStub' });

export const subscriptionList = z.object({ subscriptions: z.array(z.union([subscription, subscriptionStub])) }).meta({ id: 'SubscriptionList' });

export const planChangeQuote = z
  .object({
    fromPlanId: z.string(),
    toPlanId: z.string(),
    mode: z.enum(REPLACEMENT_MODES),
    modeDefaulted: z.boolean(),
    action: z.enum(['switch', 'schedule', 'withdraw']),
    currency: z.string(),
    credit: MINOR_UNITS,
    newCostOfRemainder: MINOR_UNITS.nullable(),
    chargeNow: MINOR_UNITS.meta({ description: 'Send it back as expectedChargeNow to apply the change only at this price' }),
    creditTime: z.object({ periods: z.number().int(), days: z.number().int() }).nullable(),
    newPlanStartsAt: INSTANT,
    nextBillingAt: INSTANT.nullable(),
    nextChargeAmount: MINOR_UNITS.nullable(),
    at: INSTANT,
  })
  .meta({ id: 'PlanChangeQuote' });
sameType<z.output<typeof planChangeQuote>, PlanChangeQuoteView>(true);

export const planChangeResult = z.object({ subscription, quote: planChangeQuote }).meta({ id: 'PlanChangeResult' });
sameType<z.output<typeof planChangeResult>, PlanChangeResult>(true);
