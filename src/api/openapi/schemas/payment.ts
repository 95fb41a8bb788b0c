/** Payment methods, the ledger's payments and refunds as the API answers them (docs/money-movement.md). */
import { z } from 'zod';
import type { PaymentMethodView } from '../../../db/payment-methods-repo';
import type { LedgerEntry } from '../../../db/payments-repo';
import type { RefundEntry } from '../../../db/refunds-repo';
import type { RefundResult } from '../../../../activities/refund-activity';
import { sameType } from '../same-type';
import { INSTANT, MINOR_UNITS } from './common';

export const paymentMethod = z
  .object({
    id: z.string(),
    customerKey: z.string(),
    card: z.object({
      number: z.string().meta({ description: 'Masked, as Toss reports it', example: '43301234****123*' }),
      company: z.string(),
      cardType: z.string(),
      ownerType: z.string(),
    }),
    createdAt: INSTANT,
  })
  .meta({ id: 'PaymentMethod', description: 'A registered card; its billing key is never shown' });
sameType<z.output<typeof paymentMethod>, PaymentMethodView>(true);

export const paymentMethodList = z.object({ paymentMethods: z.array(paymentMethod) }).meta({ id: 'PaymentMethodList' });

const ledgerEntryShape = {
  orderId: z.string(),
  subscriptionId: z.string(),
  customerKey: z.string(),
  cycle: z.number().int(),
  attempt: z.number().int(),
  amount: MINOR_UNITS,
  currency: z.string(),
  status: z.enum(['DONE', 'DECLINED', 'CANCELED', 'PARTIAL_CANCELED']),
  paymentKey: z.string().nullable(),
  balanceAmount: MINOR_UNITS.nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  dueAt: INSTANT.nullable(),
  attemptedAt: INSTANT.meta({ description: 'Workflow time of the attempt (the test clock in a simulation)' }),
  approvedAt: INSTANT.nullable(),
  createdAt: INSTANT,
};
export const ledgerEntry = z.object(ledgerEntryShape).meta({ id: 'LedgerEntry', description: 'One charge attempt the gateway answered' });
sameType<z.output<typeof ledgerEntry>, LedgerEntry>(true);

export const refundEntry = z
  .object({
    refundId: z.string(),
    orderId: z.string(),
    subscriptionId: z.string(),
    amount: MINOR_UNITS,
    currency: z.string(),
    reason: z.string(),
    kind: z.enum(['refund', 'revoke', 'void']),
    transactionKey: z.string().nullable(),
    requestKey: z.string().nullable(),
    refundedAt: INSTANT,
    createdAt: INSTANT,
  })
  .meta({ id: 'RefundEntry' });
sameType<z.output<typeof refundEntry>, RefundEntry>(true);

export const payment = z
  .object({
    ...ledgerEntryShape,
    refunds: z.array(refundEntry),
    pendingRefunds: z
      .array(z.object({ refundId: z.string(), amount: MINOR_UNITS.nullable(), createdAt: INSTANT }))
      .meta({ description: 'After the subscription ended: refunds sent whose answer has not come back (sent again before the next refund)' }),
  })
  .meta({ id: 'Payment' });

export const subscriptionPayments = z
  .object({
    payments: z.array(ledgerEntry),
    unconfirmed: z.object({
      charges: z.array(
        z.object({ orderId: z.string(), amount: MINOR_UNITS, kind: z.enum(['period', 'purchase']), attemptedAt: INSTANT.nullable(), nextCheckAt: INSTANT.nullable() }),
      ),
      refunds: z.array(z.object({ refundId: z.string(), paymentId: z.string(), amount: MINOR_UNITS, kind: z.enum(['refund', 'revoke']), nextCheckAt: INSTANT })),
    }).meta({ description: 'Money the gateway has not confirmed either way yet; not in the ledger until it does' }),
  })
  .meta({ id: 'SubscriptionPayments' });

export const refund = z
  .object({
    refundId: z.string(),
    paymentId: z.string(),
    amount: MINOR_UNITS,
    currency: z.string(),
    balanceAmount: MINOR_UNITS.meta({ description: 'What is left of the payment after this refund' }),
    status: z.enum(['CANCELED', 'PARTIAL_CANCELED']),
    refundedAtMs: z.number().int().meta({ description: 'Epoch milliseconds' }),
  })
  .meta({ id: 'Refund' });
sameType<z.output<typeof refund>, RefundResult>(true);

export const pendingRefund = z
  .object({ status: z.literal('PENDING'), refundId: z.string(), paymentId: z.string(), amount: MINOR_UNITS, detail: z.string() })
  .meta({ id: 'PendingRefund', description: 'The gateway has not confirmed it yet; it is reserved and sent again with the same refund id until it answers' });

export const billingAuthSession = z
  .object({
    id: z.string(),
    customerKey: z.string(),
    returnUrl: z.string(),
    status: z.enum(['open', 'completed', 'failed']),
    expiresAt: INSTANT,
    successUrl: z.string().meta({ description: "The card window's successUrl; holds the session's token: give it to the customer's browser only" }),
    failUrl: z.string().meta({ description: "The card window's failUrl (holds the token too)" }),
    windowUrl: z.string().nullable().meta({ description: "The emulator's card window with all three parameters; null with real Toss, whose JS SDK opens its window" }),
  })
  .meta({ id: 'BillingAuthSession' });
