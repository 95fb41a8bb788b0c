/**
 * Webhook endpoints, their deliveries and attempts (docs/webhooks.md). The signing secret is in the
 * create's answer only (and in its replay, kept sealed meanwhile). A redelivery is one more attempt,
 * run as its own workflow and answered when it is done.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { WebhookDelivery, WebhookEndpoint } from '../../db/webhooks-repo';
import { LIFECYCLE_EVENT_TYPES } from '../../domain/lifecycle-events';
import { redeliveryWorkflowId } from '../../webhooks/start-deliveries';
import { webhookUrlProblem } from '../../webhooks/url-policy';
import type { webhookDeliveryWorkflow, WebhookDeliveryInput } from '../../../workflows/webhook-delivery-workflow';
import type { ApiDeps } from '../deps';
import { digest, idempotencyKeyOf, idempotent, type SealedField } from '../idempotency';
import { HttpProblem } from '../problem';
import { limitParam } from '../schemas';
import { parse, parseNoBody } from '../validate';

export const createWebhookEndpointBody = z.strictObject({
  /** http or https; which hosts are allowed depends on WEBHOOK_URL_POLICY (docs/webhooks.md). */
  url: z.string().min(1).max(2048),
  /** The event types to receive; absent or empty = all of them. */
  eventTypes: z.array(z.enum(LIFECYCLE_EVENT_TYPES)).max(LIFECYCLE_EVENT_TYPES.length).optional(),
  description: z.string().min(1).max(200).optional(),
});

export const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']).optional(),
  limit: limitParam(200, 50),
});

export const ENDPOINT_ID = z.string().regex(/^we_[0-9a-f-]{32,36}$/, 'expected a webhook endpoint id');
export const DELIVERY_ID = z.string().regex(/^whd_[0-9a-f-]{36}$/, 'expected a webhook delivery id');

const endpointView = (e: WebhookEndpoint) => e;
const deliveryView = (d: WebhookDelivery) => d;

export function webhookEndpointRoutes(deps: ApiDeps): Router {
  const router = Router();
  const sealed: SealedField = { names: ['secret'], seal: deps.webhooks.sealSecret, open: deps.webhooks.openSecret };

  async function endpointOr404(id: string): Promise<WebhookEndpoint> {
    const endpoint = await deps.webhooks.getEndpoint(id);
    if (!endpoint) throw new HttpProblem(404, 'not-found', `no webhook endpoint ${id}`);
    return endpoint;
  }

  router.post('/v1/webhook-endpoints', idempotent(deps.pool, 'webhook-endpoints', { sealed }), async (req, res) => {
    const body = parse(createWebhookEndpointBody, req.body);
    const problem = webhookUrlProblem(body.url, deps.webhookDelivery.policy);
    if (problem) throw new HttpProblem(422, 'webhook-url-refused', `url: ${problem}`, { errors: [{ field: 'url', message: problem }] });
    const key = idempotencyKeyOf(req);
    const { endpoint, secret } = await deps.webhooks.createEndpoint({
      // A retry after a lost answer (or a crash) finds the endpoint its key made.
      ...(key !== undefined ? { id: `we_${digest('webhook-endpoint', key, body.url).slice(0, 32)}` } : {}),
      url: body.url,
      eventTypes: [...new Set(body.eventTypes ?? [])],
      ...(body.description !== undefined ? { description: body.description } : {}),
    });
    res.status(201).location(`/v1/webhook-endpoints/${endpoint.id}`).json({ ...endpointView(endpoint), secret });
  });

  router.get('/v1/webhook-endpoints', async (_req, res) => {
    res.json({ data: (await deps.webhooks.listEndpoints()).map(endpointView) });
  });

  router.get('/v1/webhook-endpoints/:endpointId', async (req, res) => {
    res.json(endpointView(await endpointOr404(parse(ENDPOINT_ID, req.params.endpointId, 'endpointId'))));
  });

  router.delete('/v1/webhook-endpoints/:endpointId', async (req, res) => {
    const id = parse(ENDPOINT_ID, req.params.endpointId, 'endpointId');
    if (!(await deps.webhooks.deleteEndpoint(id))) throw new HttpProblem(404, 'not-found', `no webhook endpoint ${id}`);
    res.status(204).end();
  });

  router.post('/v1/webhook-endpoints/:endpointId/enable', idempotent(deps.pool, 'webhook-endpoint-enable'), async (req, res) => {
    parseNoBody(req.body);
    const id = parse(ENDPOINT_ID, req.params.endpointId, 'endpointId');
    const endpoint = await deps.webhooks.enableEndpoint(id);
    if (!endpoint) throw new HttpProblem(404, 'not-found', `no webhook endpoint ${id}`);
    res.json(endpointView(endpoint));
  });

  router.get('/v1/webhook-endpoints/:endpointId/deliveries', async (req, res) => {
    const id = parse(ENDPOINT_ID, req.params.endpointId, 'endpointId');
    const query = parse(deliveriesQuery, req.query, 'query');
    await endpointOr404(id);
    res.json({ data: (await deps.webhooks.deliveries(id, { limit: query.limit, ...(query.status ? { status: query.status } : {}) })).map(deliveryView) });
  });

  router.get('/v1/webhook-endpoints/:endpointId/deliveries/:deliveryId', async (req, res) => {
    const id = parse(ENDPOINT_ID, req.params.endpointId, 'endpointId');
    const deliveryId = parse(DELIVERY_ID, req.params.deliveryId, 'deliveryId');
    const delivery = await deps.webhooks.delivery(id, deliveryId);
    if (!delivery) throw new HttpProblem(404, 'not-found', `no delivery ${deliveryId} of webhook endpoint ${id}`);
    res.json(delivery);
  });

  router.post('/v1/webhook-endpoints/:endpointId/deliveries/:deliveryId/redeliver', idempotent(deps.pool, 'webhook-redeliver'), async (req, res) => {
    parseNoBody(req.body);
    const id = parse(ENDPOINT_ID, req.params.endpointId, 'endpointId');
    const deliveryId = parse(DELIVERY_ID, req.params.deliveryId, 'deliveryId');
    const before = await deps.webhooks.delivery(id, deliveryId);
    if (!before) throw new HttpProblem(404, 'not-found', `no delivery ${deliveryId} of webhook endpoint ${id}`);
    const key = idempotencyKeyOf(req);
    // Keyed: one redelivery per key, even when a retry follows a crash after the start.
    const workflowId = redeliveryWorkflowId(deliveryId, key !== undefined ? digest('redeliver', deliveryId, key).slice(0, 24) : randomUUID());
    const input: WebhookDeliveryInput = { deliveryId, eventType: before.eventType, trigger: 'manual', retry: deps.webhookDelivery.retry };
    let handle;
    try {
      handle = await deps.temporal.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      await deps.webhooks.countRedelivery(deliveryId);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      handle = deps.temporal.workflow.getHandle<typeof webhookDeliveryWorkflow>(workflowId);
    }
    const outcome = await handle.result();
    res.json({ outcome, delivery: await deps.webhooks.delivery(id, deliveryId) });
  });

  return router;
}
