/**
 * Giving money back from one paid order through Toss's cancel API, exactly once (docs/lifecycle.md §4.4
 * refund / revoke, §8). The workflow chooses the refundId; it is the Idempotency-Key at Toss and
 * the refunds row's key, so a retry after a crash anywhere in here never refunds twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { formatMoney, isCurrency } from '../src/domain/money';
import { classifyTossError } from '../src/gateway/error-classification';
import type { PaymentGateway } from '../src/gateway/payment-gateway';
import { TossApiError } from '../src/gateway/toss-api-error';
import type { TossPayment } from '../src/gateway/toss-types';
import type { PaymentsRepo } from '../src/db/payments-repo';
import { refundedStatus, type RefundEntry, type RefundKind, type RefundedStatus } from '../src/db/refunds-repo';

export interface RefundInput {
  subscriptionId: string;
  /** orderId of a DONE or PARTIAL_CANCELED ledger row of this subscription. */
  paymentId: string;
  /** Deterministic, chosen by the workflow (e.g. `<sub>-r3`); Idempotency-Key at Toss, ≤ 300 chars. */
  refundId: string;
  /** Minor units of the payment's currency; absent = the whole remaining balance. */
  amount?: number;
  /** Sent to Toss as cancelReason (1–200 chars). */
  reason: string;
  kind: RefundKind;
  /** The API request that asked for it (digest of payment and Idempotency-Key), kept on the refunds row. */
  requestKey?: string;
}

export interface RefundResult {
  refundId: string;
  paymentId: string;
  /** Minor units given back by this refund. */
  amount: number;
  currency: string;
  /** What is left of the payment after this refund. */
  balanceAmount: number;
  status: RefundedStatus;
  refundedAtMs: number;
}

export interface RefundDeps {
  gateway: PaymentGateway;
  payments: PaymentsRepo;
}

/**
 * A refund either happened (now, or by an earlier try with the same refundId) or was refused —
 * by our checks or by Toss — and retrying cannot change that. A refusal is an answer, not a
 * failure: the activity completes, so history shows no failed activity for it. Only a gateway
 * that does not answer makes the activity fail (and be retried with the same Idempotency-Key).
 */
export type RefundAttempt = { outcome: 'refunded'; refund: RefundResult } | { outcome: 'refused'; code: string; message: string };

const REFUNDABLE = ['DONE', 'PARTIAL_CANCELED'];
const MAX_REASON = 200;
const MAX_IDEMPOTENCY_KEY = 300;

class Refused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
const reject = (message: string, code = 'REFUND_REJECTED') => new Refused(code, message);

const money = (amount: number, currency: string) =>
  isCurrency(currency) ? `${amount} (${formatMoney(amount, currency)})` : `${amount} ${currency} minor units`;

const resultOf = (refund: RefundEntry, balanceAmount: number): RefundResult => ({
  refundId: refund.refundId,
  paymentId: refund.orderId,
  amount: refund.amount,
  currency: refund.currency,
  balanceAmount,
  status: refundedStatus(balanceAmount),
  refundedAtMs: Date.parse(refund.refundedAt),
});

/** Checks that need nothing but the input: a bad one must never reach Toss. */
function validateInput(input: RefundInput): void {
  if (input.refundId.length === 0 || input.refundId.length > MAX_IDEMPOTENCY_KEY) {
    throw reject(`refundId must be 1–${MAX_IDEMPOTENCY_KEY} characters (it is the Idempotency-Key at Toss)`);
  }
  if (input.reason.length === 0 || input.reason.length > MAX_REASON) {
    throw reject(`reason must be 1–${MAX_REASON} characters (Toss's cancelReason), got ${input.reason.length}`);
  }
  if (input.kind !== 'refund' && input.kind !== 'revoke' && input.kind !== 'void') {
    throw reject(`kind must be 'refund', 'revoke' or 'void', got ${JSON.stringify(input.kind)}`);
  }
  if (input.amount !== undefined && (!Number.isSafeInteger(input.amount) || input.amount <= 0)) {
    throw reject(`amount must be a positive integer of minor units (or absent for the whole remaining balance), got ${input.amount}`);
  }
}

export function createRefundActivity(deps: RefundDeps) {
  return async function refundPayment(input: RefundInput): Promise<RefundAttempt> {
    try {
      return { outcome: 'refunded', refund: await refundOnce(input) };
    } catch (error) {
      if (error instanceof Refused) return { outcome: 'refused', code: error.code, message: error.message };
      throw error;
    }
  };

  async function refundOnce(input: RefundInput): Promise<RefundResult> {
    // A retry after the refund was recorded: answer from the ledger, Toss is not asked again.
    const recorded = await deps.payments.refunds.get(input.refundId);
    if (recorded) {
      if (recorded.orderId !== input.paymentId || recorded.subscriptionId !== input.subscriptionId) {
        throw reject(`refundId ${input.refundId} was already used for another payment; each refund needs its own refundId`);
      }
      const entry = await deps.payments.get(recorded.orderId);
      return resultOf(recorded, entry?.balanceAmount ?? 0); // the refunds row's foreign key keeps `entry`
    }

    validateInput(input);
    const entry = await deps.payments.get(input.paymentId);
    if (!entry) {
      throw reject(`payment ${input.paymentId} does not exist; refund one of subscription ${input.subscriptionId}'s own paid payments`);
    }
    if (entry.subscriptionId !== input.subscriptionId) {
      // The other subscription's id stays out of the message: it is not this caller's business.
      throw reject(`payment ${input.paymentId} belongs to another subscription; only subscription ${input.subscriptionId}'s own payments can be refunded`);
    }
    if (!REFUNDABLE.includes(entry.status) || entry.paymentKey === null) {
      const code = entry.status === 'CANCELED' ? 'ALREADY_REFUNDED' : 'NOT_REFUNDABLE';
      throw reject(`payment ${input.paymentId} is ${entry.status}; only DONE or PARTIAL_CANCELED payments can be refunded`, code);
    }
    const balance = entry.balanceAmount ?? entry.amount;
    const amount = input.amount ?? balance;
    if (amount > balance) {
      throw reject(
        `refund of ${money(amount, entry.currency)} exceeds the remaining balance ${money(balance, entry.currency)} of payment ${input.paymentId}; refund at most ${balance}`,
        'EXCEEDS_BALANCE',
      );
    }

    let payment: TossPayment;
    try {
      payment = await deps.gateway.cancelPayment(
        entry.paymentKey,
        { cancelReason: input.reason, cancelAmount: amount },
        { idempotencyKey: input.refundId },
      );
    } catch (error) {
      if (!(error instanceof TossApiError)) throw error;
      if (classifyTossError(error.code) === 'transient') {
        // Outcome unknown: Temporal retries with the same Idempotency-Key, so Toss answers the
        // first cancel again instead of running a second one.
        throw ApplicationFailure.retryable(`refund outcome unknown: ${error.code}`, 'TransientGatewayError', { code: error.code });
      }
      throw reject(`Toss refused the refund of payment ${input.paymentId}: ${error.message}`, error.code);
    }

    // Toss appends each cancel; the last one is this request's (a replayed answer included).
    const cancel = payment.cancels?.at(-1);
    const refundedAt = cancel ? new Date(Date.parse(cancel.canceledAt)) : new Date();
    // What the gateway gave back, not what was asked: a refund id already used for another amount
    // gets that first cancel replayed, and the ledger must say what really happened.
    const given = cancel?.cancelAmount ?? amount;
    const { refund, order } = await deps.payments.refunds.record(
      {
        refundId: input.refundId,
        orderId: entry.orderId,
        subscriptionId: entry.subscriptionId,
        amount: given,
        currency: entry.currency,
        reason: input.reason,
        kind: input.kind,
        transactionKey: cancel?.transactionKey ?? null,
        requestKey: input.requestKey ?? null,
        refundedAt: refundedAt.toISOString(),
      },
      payment.balanceAmount,
    );
    return resultOf(refund, order.balanceAmount);
  }
}
