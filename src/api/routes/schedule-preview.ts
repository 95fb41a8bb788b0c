import { Router } from 'express';
import { billingInstants, CalendarError, localToInstantMs, parseLocalAnchor, toIso } from '../../domain/calendar';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { schedulePreviewBody } from '../schemas';
import { assertNotTooFarAhead, parse } from '../validate';

/** The next N billing instants, computed by the very function the workflow uses (docs/lifecycle.md §6). */
export function schedulePreviewRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = () => (deps.clock ? deps.clock() : Promise.resolve(Date.now()));
  router.post('/v1/schedule-preview', idempotent(deps.pool, 'schedule-preview'), async (req, res) => {
    const body = parse(schedulePreviewBody, req.body);
    try {
      const anchor = parseLocalAnchor(body.anchor, body.timeZone);
      // A subscription starts at most a year ahead; so does the anchor of a preview of one.
      assertNotTooFarAhead(localToInstantMs(anchor.date, anchor.time, anchor.timeZone), await now(), 'anchor');
      const instants = billingInstants(anchor, body.interval, body.count).map(toIso);
      res.json({ timeZone: body.timeZone, anchor: `${anchor.date}T${anchor.time}`, interval: body.interval, instants });
    } catch (error) {
      if (!(error instanceof CalendarError)) throw error;
      throw new HttpProblem(400, 'invalid-request', error.message, { errors: [{ field: error.field, message: error.message }] });
    }
  });
  return router;
}
