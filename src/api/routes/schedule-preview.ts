import { Router } from 'express';
import { billingInstants, CalendarError, parseLocalAnchor, toIso } from '../../domain/calendar';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { schedulePreviewBody } from '../schemas';
import { parse } from '../validate';

/** The next N billing instants, computed by the very function the workflow uses (SPEC §4.3). */
export function schedulePreviewRoutes(_deps: ApiDeps): Router {
  const router = Router();
  router.post('/v1/schedule-preview', (req, res) => {
    const body = parse(schedulePreviewBody, req.body);
    try {
      const anchor = parseLocalAnchor(body.anchor, body.timeZone);
      const instants = billingInstants(anchor, body.interval, body.count).map(toIso);
      res.json({ timeZone: body.timeZone, anchor: `${anchor.date}T${anchor.time}`, interval: body.interval, instants });
    } catch (error) {
      if (!(error instanceof CalendarError)) throw error;
      throw new HttpProblem(400, 'invalid-request', error.message, { errors: [{ field: error.field, message: error.message }] });
    }
  });
  return router;
}
