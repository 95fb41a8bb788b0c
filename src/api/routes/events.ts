/**
 * The lifecycle event feed (docs/events.md): every event of every subscription, in the order they
 * were published, from any cursor a client kept. Read-only; any key may read it.
 */
import { Router } from 'express';
import { z } from 'zod';
import { EventsRepo, formatCursor, parseCursor } from '../../db/events-repo';
import { LIFECYCLE_EVENT_TYPES } from '../../domain/lifecycle-events';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { ID, limitParam } from '../schemas';
import { parse } from '../validate';

export const EVENT_ID = z.string().regex(/^evt_[0-9a-f-]{36}$/, 'expected an event id');

export const eventsQuery = z.strictObject({
  /** The `nextCursor` of an earlier page; absent = from the first event. */
  after: z
    .string()
    .refine((text) => parseCursor(text) !== null, 'after: a cursor from an earlier page (nextCursor)')
    .optional()
    .meta({ description: 'The nextCursor of an earlier page; absent = from the first event' }),
  /** One type or several, comma-separated. */
  type: z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(LIFECYCLE_EVENT_TYPES, { error: `type: one of ${LIFECYCLE_EVENT_TYPES.join(', ')}` })).min(1))
    .optional()
    .meta({ description: 'One event type or several, comma-separated', example: 'subscription.renewed,payment.succeeded' }),
  subscriptionId: ID.optional(),
  limit: limitParam(500, 100),
});

export function eventRoutes(deps: ApiDeps): Router {
  const router = Router();
  const events = new EventsRepo(deps.pool);

  router.get('/v1/events', async (req, res) => {
    const query = parse(eventsQuery, req.query, 'query');
    const page = await events.feed({
      after: query.after === undefined ? null : parseCursor(query.after),
      types: query.type ?? null,
      subscriptionId: query.subscriptionId ?? null,
      limit: query.limit,
    });
    res.json({ data: page.events, nextCursor: page.cursor === null ? null : formatCursor(page.cursor), hasMore: page.hasMore });
  });

  router.get('/v1/events/:id', async (req, res) => {
    const id = parse(EVENT_ID, req.params.id, 'id');
    const event = await events.get(id);
    if (!event) throw new HttpProblem(404, 'not-found', `no event ${id}`);
    res.json(event);
  });

  return router;
}
