/** Response building blocks shared by the documented schemas (docs/openapi.md). */
import { z } from 'zod';
import { PROBLEM_CODES } from '../../problem-types';

export const INSTANT = z.string().meta({ format: 'date-time', description: 'An instant, ISO 8601 in UTC', example: '2027-01-31T15:30:00.000Z' });
export const MINOR_UNITS = z.number().int().min(0).meta({ description: 'An amount in minor units of its currency (won for KRW)', example: 9900 });

export const fieldError = z.object({ field: z.string(), message: z.string() }).meta({ id: 'FieldError' });

/**
 * RFC 9457 problem details (docs/api-errors.md). Beside the fixed members a problem may carry more,
 * named in its code's documentation (`subscription`, `gatewayCode`, `paymentId`, …).
 */
export const problem = z
  .looseObject({
    type: z.string().meta({ description: 'https://subscriptions.local/problems/<code>' }),
    code: z.enum(PROBLEM_CODES).meta({ description: 'The stable machine code; branch on this, never on detail' }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    requestId: z.string().optional().meta({ description: 'The X-Request-Id of the request, to quote when reporting it' }),
    errors: z.array(fieldError).optional().meta({ description: 'The offending fields of a 400' }),
  })
  .meta({ id: 'Problem' });
