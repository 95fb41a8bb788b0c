/**
 * Every route of the API, documented from the zod schemas the routes parse with (docs/openapi.md).
 * test/api/openapi.test.ts holds this table and the app to each other in both directions.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { eventsQuery, EVENT_ID } from '../routes/events';
import { DAY, listRunsQuery, runQuery } from '../routes/reconciliation';
import { advanceBody } from '../routes/test-clock';
import { createWebhookEndpointBody, deliveriesQuery, DELIVERY_ID, ENDPOINT_ID } from '../routes/webhook-endpoints';
import {
  billingAuthFailQuery,
  billingAuthSuccessQuery,
  createBillingAuthSessionBody,
  createPlanBody,
  createSubscriptionBody,
  CUSTOMER_KEY,
  deferBody,
  ID,
  issuePaymentMethodBody,
  listPlansQuery,
  listSubscriptionsQuery,
  pauseBody,
  paymentMethodChangeBody,
  planChangeBody,
  planChangePreviewBody,
  refundBody,
  revokeBody,
  schedulePreviewBody,
  updatePlanBody,
} from '../schemas';
import { operation, type OperationSpec } from './operation';
import {
  createdWebhookEndpoint,
  eventPage,
  lifecycleEvent,
  redelivery,
  webhookDeliveryList,
  webhookDeliveryWithAttempts,
  webhookEndpoint,
  webhookEndpointList,
} from './schemas/event';
import { health, reconciliationDay, reconciliationRunList, schedulePreview, testClock, testClockAdvance } from './schemas/operations';
import { billingAuthSession, payment, paymentMethod, paymentMethodList, pendingRefund, refund, subscriptionPayments } from './schemas/payment';
import { plan, planList } from './schemas/plan';
import { planChangeQuote, planChangeResult, subscription, subscriptionList } from './schemas/subscription';

/** A POST that takes no body: none, or `{}` (parseNoBody). */
const NO_BODY = { schema: z.strictObject({}), optional: true } as const;

const subscriptionPath = z.object({ id: ID.meta({ description: 'The subscription id', example: 'sub_3f9a61c2e4b07d58a1c6' }) });
const planPath = z.object({ planId: ID });
const endpointPath = z.object({ endpointId: ENDPOINT_ID });

/** An operation that is one workflow Update: the workflow's validator may refuse it (docs/api-errors.md). */
const UPDATE_PROBLEMS = [402, 409, 422, 503];

/** A lifecycle operation on one subscription that answers the subscription after it. */
function subscriptionOperation(id: string, summary: string, body: OperationSpec['body'], description?: string): OperationSpec {
  return {
    id,
    summary,
    ...(description ? { description } : {}),
    tag: 'Subscription operations',
    path: subscriptionPath,
    ...(body ? { body } : {}),
    idempotent: true,
    answers: { 200: { description: 'The subscription after the operation', schema: subscription } },
    problems: UPDATE_PROBLEMS,
  };
}

type Method = 'get' | 'post' | 'patch' | 'delete';

/** The operations by template and method; `testClock` adds the simulation's routes. */
export function operationSpecs(options: { testClock: boolean }): Record<string, Partial<Record<Method, OperationSpec>>> {
  return {
    '/healthz': {
      get: {
        id: 'getHealth',
        summary: 'Health of the API and its dependencies',
        tag: 'Service',
        open: true,
        answers: { 200: { description: 'Everything answers', schema: health }, 503: { description: 'A dependency does not answer', schema: health } },
      },
    },
    '/metrics': {
      get: {
        id: 'getMetrics',
        summary: 'Prometheus metrics of the API',
        tag: 'Service',
        readOnly: true,
        answers: { 200: { description: 'Prometheus text exposition', mediaType: 'text/plain' } },
      },
    },
    '/openapi.json': {
      get: {
        id: 'getOpenApiDocument',
        summary: 'This document',
        tag: 'Service',
        open: true,
        answers: { 200: { description: 'The OpenAPI 3.1 document', mediaType: 'application/json' } },
      },
    },
    '/docs': {
      get: {
        id: 'getApiReference',
        summary: 'The interactive API reference (this document rendered)',
        tag: 'Service',
        open: true,
        answers: { 200: { description: 'An HTML page', mediaType: 'text/html' } },
      },
    },
    '/v1/plans': {
      get: {
        id: 'listPlans',
        summary: 'List plans',
        tag: 'Plans',
        readOnly: true,
        query: listPlansQuery,
        answers: { 200: { description: 'The plans, archived ones only when asked', schema: planList } },
      },
      post: {
        id: 'createPlan',
        summary: 'Create a plan',
        description: 'The same definition again answers 200 with the plan that exists; another definition under the id is a 409 `plan-exists`.',
        tag: 'Plans',
        body: { schema: createPlanBody },
        idempotent: true,
        answers: {
          201: { description: 'Created', schema: plan, location: true },
          200: { description: 'The plan already exists with exactly this definition', schema: plan },
        },
      },
    },
    '/v1/plans/{planId}': {
      get: { id: 'getPlan', summary: 'Read a plan', tag: 'Plans', readOnly: true, path: planPath, answers: { 200: { description: 'The plan', schema: plan } } },
      patch: {
        id: 'updatePlan',
        summary: 'Change a plan',
        description: 'Product, price, currency, interval, autoRenew and intro are fixed while any subscription is on the plan (409 `plan-in-use`): create a new plan instead.',
        tag: 'Plans',
        path: planPath,
        body: { schema: updatePlanBody },
        answers: { 200: { description: 'The plan after the change', schema: plan } },
        problems: [409, 422],
      },
    },
    '/v1/plans/{planId}/archive': {
      post: {
        id: 'archivePlan',
        summary: 'Archive a plan',
        description: 'No new subscriptions or plan changes onto it (422 `plan-archived`); the subscriptions on it go on.',
        tag: 'Plans',
        path: planPath,
        body: NO_BODY,
        idempotent: true,
        answers: { 200: { description: 'The archived plan', schema: plan } },
      },
    },
    '/v1/customers/{customerKey}/payment-methods': {
      get: {
        id: 'listPaymentMethods',
        summary: "List a customer's payment methods",
        tag: 'Payment methods',
        readOnly: true,
        path: z.object({ customerKey: CUSTOMER_KEY }),
        answers: { 200: { description: 'The payment methods', schema: paymentMethodList } },
      },
      post: {
        id: 'registerPaymentMethod',
        summary: 'Register a card from the authKey of the card window',
        description: 'Issues a Toss billing key and stores it encrypted; it is never shown again.',
        tag: 'Payment methods',
        path: z.object({ customerKey: CUSTOMER_KEY }),
        body: { schema: issuePaymentMethodBody },
        idempotent: true,
        answers: { 201: { description: 'Registered', schema: paymentMethod } },
        problems: [422, 502],
      },
    },
    '/v1/billing-auth/sessions': {
      post: {
        id: 'openCardRegistration',
        summary: 'Open a card-registration session for the card window',
        description: 'Send the customer\'s browser to the card window with successUrl and failUrl; it comes back to returnUrl with paymentMethodId (or error) added (docs/card-registration.md).',
        tag: 'Payment methods',
        body: { schema: createBillingAuthSessionBody },
        idempotent: true,
        answers: { 201: { description: 'Open for 30 minutes', schema: billingAuthSession } },
      },
    },
    '/v1/billing-auth/success': {
      get: {
        id: 'cardRegistrationSucceeded',
        summary: "The card window's successUrl: registers the card and sends the browser to returnUrl",
        description: 'Opened by the customer\'s browser, authenticated by the session token in the URL. A reload or a second hit registers nothing more and redirects the same way.',
        tag: 'Payment methods',
        open: true,
        query: billingAuthSuccessQuery,
        answers: { 303: { description: 'To returnUrl with paymentMethodId and customerKey, or with error and message', location: true } },
        problems: [401, 502],
      },
    },
    '/v1/billing-auth/fail': {
      get: {
        id: 'cardRegistrationFailed',
        summary: "The card window's failUrl: ends the session and sends the browser to returnUrl with the error",
        tag: 'Payment methods',
        open: true,
        query: billingAuthFailQuery,
        answers: { 303: { description: 'To returnUrl with error and message (or the success, if the session had already completed)', location: true } },
        problems: [401],
      },
    },
    '/demo': {
      get: {
        id: 'getDemoPage',
        summary: 'A demo merchant page: register a card through the card window, then subscribe',
        tag: 'Service',
        open: true,
        answers: { 200: { description: 'An HTML page', mediaType: 'text/html' } },
      },
    },
    '/v1/subscriptions': {
      get: {
        id: 'listSubscriptions',
        summary: 'List subscriptions',
        tag: 'Subscriptions',
        readOnly: true,
        query: listSubscriptionsQuery,
        answers: { 200: { description: 'The subscriptions, newest first', schema: subscriptionList } },
      },
      post: {
        id: 'createSubscription',
        summary: 'Create a subscription',
        description:
          'Starts its workflow and, without a trial or a later start, charges the first period. A 402 `payment-declined` carries the INCOMPLETE subscription; 202 means the gateway has not confirmed the first charge either way yet.',
        tag: 'Subscriptions',
        body: { schema: createSubscriptionBody },
        idempotent: true,
        answers: {
          201: { description: 'Created (ACTIVE, TRIALING, or INCOMPLETE until a later start)', schema: subscription, location: true },
          202: { description: 'Created; the first charge is not confirmed yet and is looked up within minutes', schema: subscription },
        },
        problems: [402, 422, 503],
      },
    },
    '/v1/subscriptions/{id}': {
      get: {
        id: 'getSubscription',
        summary: 'Read a subscription',
        tag: 'Subscriptions',
        readOnly: true,
        path: subscriptionPath,
        answers: { 200: { description: 'The subscription', schema: subscription } },
      },
    },
    '/v1/subscriptions/{id}/payments': {
      get: {
        id: 'listSubscriptionPayments',
        summary: "A subscription's payments and the money not confirmed yet",
        tag: 'Payments',
        readOnly: true,
        path: subscriptionPath,
        answers: { 200: { description: 'The ledger of the subscription', schema: subscriptionPayments } },
      },
    },
    '/v1/subscriptions/{id}/cancel': { post: subscriptionOperation('cancelSubscription', 'Cancel at the end of the period', NO_BODY) },
    '/v1/subscriptions/{id}/restore': { post: subscriptionOperation('restoreSubscription', 'Withdraw a cancellation before the period ends', NO_BODY) },
    '/v1/subscriptions/{id}/retry-charge': { post: subscriptionOperation('retryCharge', 'Charge an unpaid period now', NO_BODY) },
    '/v1/subscriptions/{id}/payment-method': {
      post: subscriptionOperation('changePaymentMethod', 'Charge another of the customer\'s cards from now on', { schema: paymentMethodChangeBody }),
    },
    '/v1/subscriptions/{id}/defer': { post: subscriptionOperation('deferBilling', 'Move the next billing date later, free of charge', { schema: deferBody }) },
    '/v1/subscriptions/{id}/pause': { post: subscriptionOperation('pauseSubscription', 'Pause from the next renewal until a date', { schema: pauseBody }) },
    '/v1/subscriptions/{id}/resume': { post: subscriptionOperation('resumeSubscription', 'End a pause now, or withdraw a scheduled one', NO_BODY) },
    '/v1/subscriptions/{id}/top-up': { post: subscriptionOperation('topUpSubscription', 'Buy one more period of a prepaid plan', NO_BODY) },
    '/v1/subscriptions/{id}/revoke': {
      post: subscriptionOperation('revokeSubscription', 'End access now, with no, a prorated or a full refund', { schema: revokeBody }),
    },
    '/v1/subscriptions/{id}/plan-change/preview': {
      post: {
        id: 'previewPlanChange',
        summary: 'What a plan change would charge, computed by the rules the workflow applies',
        tag: 'Subscription operations',
        path: subscriptionPath,
        body: { schema: planChangePreviewBody },
        idempotent: true,
        answers: { 200: { description: 'The quote', schema: planChangeQuote } },
        problems: [409, 422, 503],
      },
    },
    '/v1/subscriptions/{id}/plan-change': {
      post: {
        ...subscriptionOperation('changePlan', 'Change the plan in one of the five replacement modes', { schema: planChangeBody }),
        answers: { 200: { description: 'The subscription after the change, and the quote it was made at', schema: planChangeResult } },
      },
    },
    '/v1/payments/{paymentId}': {
      get: {
        id: 'getPayment',
        summary: 'Read a payment with its refunds',
        tag: 'Payments',
        readOnly: true,
        path: z.object({ paymentId: ID }),
        answers: { 200: { description: 'The payment', schema: payment } },
      },
    },
    '/v1/payments/{paymentId}/refund': {
      post: {
        id: 'refundPayment',
        summary: 'Refund a payment, whole or in part',
        tag: 'Payments',
        path: z.object({ paymentId: ID }),
        body: { schema: refundBody.options[0], optional: true },
        idempotent: true,
        answers: {
          200: { description: 'The refund the gateway made', schema: refund },
          202: { description: 'Sent, not confirmed yet: reserved and sent again until the gateway answers', schema: pendingRefund },
        },
        problems: [409, 422, 503],
      },
    },
    '/v1/schedule-preview': {
      post: {
        id: 'previewSchedule',
        summary: 'The next billing instants of an anchor and an interval',
        tag: 'Subscriptions',
        body: { schema: schedulePreviewBody },
        idempotent: true,
        answers: { 200: { description: 'The instants', schema: schedulePreview } },
      },
    },
    '/v1/reconciliation/runs': {
      get: {
        id: 'listReconciliationRuns',
        summary: 'Daily reconciliation runs, latest day first',
        tag: 'Reconciliation',
        readOnly: true,
        query: listRunsQuery,
        answers: { 200: { description: 'The runs', schema: reconciliationRunList } },
      },
    },
    '/v1/reconciliation/runs/{day}': {
      get: {
        id: 'getReconciliationRun',
        summary: "One day's run with its mismatches",
        tag: 'Reconciliation',
        readOnly: true,
        path: z.object({ day: DAY.meta({ format: 'date', example: '2027-01-31' }) }),
        query: runQuery,
        answers: { 200: { description: 'The run', schema: reconciliationDay } },
      },
    },
    '/v1/events': {
      get: {
        id: 'listEvents',
        summary: 'The lifecycle event feed, from any cursor',
        tag: 'Events',
        readOnly: true,
        query: eventsQuery,
        answers: { 200: { description: 'A page of events in publication order', schema: eventPage } },
      },
    },
    '/v1/events/{id}': {
      get: {
        id: 'getEvent',
        summary: 'Read one event',
        tag: 'Events',
        readOnly: true,
        path: z.object({ id: EVENT_ID }),
        answers: { 200: { description: 'The event', schema: lifecycleEvent } },
      },
    },
    '/v1/webhook-endpoints': {
      get: {
        id: 'listWebhookEndpoints',
        summary: 'List webhook endpoints',
        tag: 'Webhooks',
        readOnly: true,
        answers: { 200: { description: 'The endpoints', schema: webhookEndpointList } },
      },
      post: {
        id: 'createWebhookEndpoint',
        summary: 'Add a webhook endpoint',
        description: 'The answer holds the signing secret, shown this once.',
        tag: 'Webhooks',
        body: { schema: createWebhookEndpointBody },
        idempotent: true,
        answers: { 201: { description: 'Created', schema: createdWebhookEndpoint, location: true } },
      },
    },
    '/v1/webhook-endpoints/{endpointId}': {
      get: {
        id: 'getWebhookEndpoint',
        summary: 'Read a webhook endpoint',
        tag: 'Webhooks',
        readOnly: true,
        path: endpointPath,
        answers: { 200: { description: 'The endpoint', schema: webhookEndpoint } },
      },
      delete: {
        id: 'deleteWebhookEndpoint',
        summary: 'Remove a webhook endpoint; its pending deliveries are canceled',
        tag: 'Webhooks',
        path: endpointPath,
        answers: { 204: { description: 'Removed' } },
      },
    },
    '/v1/webhook-endpoints/{endpointId}/enable': {
      post: {
        id: 'enableWebhookEndpoint',
        summary: 'Enable an endpoint again after it was disabled',
        tag: 'Webhooks',
        path: endpointPath,
        body: NO_BODY,
        idempotent: true,
        answers: { 200: { description: 'The endpoint', schema: webhookEndpoint } },
      },
    },
    '/v1/webhook-endpoints/{endpointId}/deliveries': {
      get: {
        id: 'listWebhookDeliveries',
        summary: "An endpoint's deliveries, newest first",
        tag: 'Webhooks',
        readOnly: true,
        path: endpointPath,
        query: deliveriesQuery,
        answers: { 200: { description: 'The deliveries', schema: webhookDeliveryList } },
      },
    },
    '/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}': {
      get: {
        id: 'getWebhookDelivery',
        summary: 'One delivery with its attempt log',
        tag: 'Webhooks',
        readOnly: true,
        path: endpointPath.extend({ deliveryId: DELIVERY_ID }),
        answers: { 200: { description: 'The delivery', schema: webhookDeliveryWithAttempts } },
      },
    },
    '/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver': {
      post: {
        id: 'redeliverWebhook',
        summary: 'Send a delivery again; answers when the attempt is done',
        tag: 'Webhooks',
        path: endpointPath.extend({ deliveryId: DELIVERY_ID }),
        body: NO_BODY,
        idempotent: true,
        answers: { 200: { description: 'How the redelivery ended, and the delivery after it', schema: redelivery } },
      },
    },
    ...(options.testClock
      ? {
          '/v1/test-clock': {
            get: {
              id: 'getTestClock',
              summary: "The simulation's clock (npm run simulate only)",
              tag: 'Test clock',
              readOnly: true,
              answers: { 200: { description: 'The clock', schema: testClock } },
            },
          },
          '/v1/test-clock/advance': {
            post: {
              id: 'advanceTestClock',
              summary: 'Move the clock; answers once every timer due by then has fired and what it started has settled',
              tag: 'Test clock',
              body: { schema: advanceBody },
              idempotent: true,
              answers: { 200: { description: 'The clock after the advance', schema: testClockAdvance } },
              problems: [503],
            },
          },
        }
      : {}),
  };
}

/** The paths object of the document. */
export function documentedPaths(options: { testClock: boolean }): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const [template, methods] of Object.entries(operationSpecs(options))) {
    paths[template] = Object.fromEntries(Object.entries(methods).map(([method, spec]) => [method, operation(spec)]));
  }
  return paths;
}
