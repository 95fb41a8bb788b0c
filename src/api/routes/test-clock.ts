/**
 * The test clock (docs/simulation.md), mounted only in a simulation (`npm run simulate`): read it,
 * and move it forward by an ISO 8601 duration or to an instant. An advance answers once every timer
 * due by then has fired and what it started has settled.
 */
import { Router } from 'express';
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar';
import { SimulationNotSettled, type TestClock } from '../../temporal/test-clock';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { parse } from '../validate';

/** One advance moves the clock at most this far; advance again to go further. */
export const MAX_ADVANCE = { years: 10 } as const;

const isDuration = (text: string) => {
  try {
    const d = Temporal.Duration.from(text);
    return d.sign > 0;
  } catch {
    return false;
  }
};

/** Exactly one of `by` (a duration) and `to` (an instant with offset). */
export const advanceBody = z
  .strictObject({
    by: z.string().max(64).refine(isDuration, 'a positive ISO 8601 duration, e.g. P1M, P7D, PT12H').optional(),
    to: z.iso.datetime({ offset: true, error: 'an ISO 8601 instant with offset, e.g. 2027-05-01T00:00:00+09:00' }).optional(),
  })
  .refine((b) => (b.by === undefined) !== (b.to === undefined), 'send exactly one of by and to');

const view = (ms: number) => ({ now: new Date(ms).toISOString(), timeZone: DEFAULT_TIME_ZONE });

export function testClockRoutes(deps: ApiDeps & { testClock: TestClock }): Router {
  const router = Router();
  const clock = deps.testClock;

  router.get('/v1/test-clock', async (_req, res) => {
    res.json(view(await clock.nowMs()));
  });

  router.post('/v1/test-clock/advance', idempotent(deps.pool, 'test-clock-advance'), async (req, res) => {
    const body = parse(advanceBody, req.body);
    const field = body.by !== undefined ? 'by' : 'to';
    /** Read against the clock when this advance's turn comes: concurrent advances add up. */
    const target = (nowMs: number) => {
      // Months and years count in the default zone's calendar: P1M from Jan 31 is Feb 28 (or 29).
      const start = Temporal.Instant.fromEpochMilliseconds(nowMs).toZonedDateTimeISO(DEFAULT_TIME_ZONE);
      const targetMs = body.by !== undefined ? start.add(Temporal.Duration.from(body.by)).epochMilliseconds : Date.parse(body.to!);
      if (targetMs <= nowMs) {
        throw new HttpProblem(400, 'invalid-request', `${field}: the test clock only moves forward (it is ${new Date(nowMs).toISOString()})`, { errors: [{ field, message: 'not after the clock' }] });
      }
      if (targetMs > start.add(MAX_ADVANCE).epochMilliseconds) {
        throw new HttpProblem(400, 'invalid-request', `${field}: one advance moves at most ${MAX_ADVANCE.years} years; advance again to go further`, { errors: [{ field, message: 'too far' }] });
      }
      return targetMs;
    };
    const started = Date.now();
    try {
      const moved = await clock.advance(target);
      res.json({ ...view(moved.nowMs), from: new Date(moved.fromMs).toISOString(), wallMs: Date.now() - started });
    } catch (error) {
      if (!(error instanceof SimulationNotSettled)) throw error;
      throw new HttpProblem(503, 'service-unavailable', `the simulation did not settle: ${error.message}; the clock moved, read it with GET /v1/test-clock`);
    }
  });

  return router;
}
