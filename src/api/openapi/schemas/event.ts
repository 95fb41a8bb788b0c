/** Lifecycle events, the feed and the webhooks that carry them (docs/events.md, docs/webhooks.md). */
import { z } from 'zod';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../../db/webhooks-repo';
import { LIFECYCLE_EVENT_TYPES, type LifecycleEvent } from '../../../domain/lifecycle-events';
import type { WebhookDeliveryResult } from '../../../../workflows/webhook-delivery-workflow';
import { sameType } from '../same-type';
import { INSTANT, MINOR_UNITS } from './common';
import { subscription } from './subscription';

export const eventType = z.enum(LIFECYCLE_EVENT_TYPES).meta({ id: 'EventType' });

/** The component name of an event, which the document's `webhooks` entry refers to. */
export const EVENT_SCHEMA_ID = 'Event';

export const lifecycleEvent = z
  .object({
    id: z.string().meta({ description: 'Unique across all subscriptions: drop a delivery whose id you have seen' }),
    type: eventType,
    timestamp: INSTANT.meta({ description: 'When the turn that caused it ran (workflow time)' }),
    subscriptionId: z.string(),
    sequence: z.number().int().min(1).meta({ description: '1, 2, 3 … per subscription without gaps: order by it, and see what you missed' }),
    data: z.object({
      subscription: subscription.meta({ description: 'The subscription after the change' }),
      payment: z
        .object({ paymentId: z.string(), orderId: z.string().nullable(), amount: MINOR_UNITS, currency: z.string(), approvedAt: INSTANT.nullable(), cycle: z.number().int().nullable() })
        .optional(),
      refund: z.object({ paymentId: z.string(), amount: MINOR_UNITS, refundedTotal: MINOR_UNITS, currency: z.string() }).optional(),
      decline: z.object({ kind: z.enum(['soft', 'hard', 'merchant']), code: z.string(), message: z.string(), outcomeUnknown: z.boolean() }).optional(),
      previousPlanId: z.string().optional(),
      previousNextBillingAt: INSTANT.nullable().optional(),
      reason: z.enum(['canceled', 'trialCanceled', 'dunningExhausted', 'incomplete', 'prepaidEnded']).optional(),
      previousPaymentMethodId: z.string().optional(),
    }),
  })
  .meta({ id: EVENT_SCHEMA_ID });
sameType<z.output<typeof lifecycleEvent>, LifecycleEvent>(true);

export const eventPage = z
  .object({
    data: z.array(lifecycleEvent),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `after` to read on; null when the feed has nothing yet' }),
    hasMore: z.boolean(),
  })
  .meta({ id: 'EventPage' });

export const webhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(eventType).meta({ description: 'Empty: every type' }),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.string().nullable(),
    failingSince: INSTANT.nullable(),
    createdAt: INSTANT,
  })
  .meta({ id: 'WebhookEndpoint' });
sameType<z.output<typeof webhookEndpoint>, WebhookEndpoint>(true);

export const createdWebhookEndpoint = webhookEndpoint
  .extend({ secret: z.string().meta({ description: 'whsec_…, shown in this answer only: keep it to verify signatures', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }) })
  .meta({ id: 'CreatedWebhookEndpoint' });

export const webhookEndpointList = z.object({ data: z.array(webhookEndpoint) }).meta({ id: 'WebhookEndpointList' });

export const webhookDelivery = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    eventType: eventType,
    subscriptionId: z.string(),
    sequence: z.number().int(),
    status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
    attempts: z.number().int(),
    redeliveries: z.number().int(),
    lastAttemptAt: INSTANT.nullable(),
    succeededAt: INSTANT.nullable(),
    createdAt: INSTANT,
  })
  .meta({ id: 'WebhookDelivery' });
sameType<z.output<typeof webhookDelivery>, WebhookDelivery>(true);

const webhookAttempt = z
  .object({
    trigger: z.enum(['automatic', 'manual']),
    attempt: z.number().int(),
    attemptedAt: INSTANT,
    durationMs: z.number().int(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    responseBody: z.string().nullable().meta({ description: 'The start of what the receiver answered' }),
  })
  .meta({ id: 'WebhookAttempt' });
sameType<z.output<typeof webhookAttempt>, WebhookAttempt>(true);

export const webhookDeliveryWithAttempts = webhookDelivery.extend({ attemptLog: z.array(webhookAttempt) }).meta({ id: 'WebhookDeliveryWithAttempts' });
export const webhookDeliveryList = z.object({ data: z.array(webhookDelivery) }).meta({ id: 'WebhookDeliveryList' });

const deliveryResult = z.enum(['succeeded', 'canceled', 'failed', 'failed-endpoint-disabled']);
sameType<z.output<typeof deliveryResult>, WebhookDeliveryResult>(true);
export const redelivery = z.object({ outcome: deliveryResult, delivery: webhookDeliveryWithAttempts }).meta({ id: 'Redelivery' });
