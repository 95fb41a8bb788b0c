/**
 * One documented operation from what its route really does: the zod schemas it parses, what it
 * answers, and which problems it can end in (docs/openapi.md). The problems every route shares are
 * added here from the route's traits, so no operation can forget the 401 its authentication gives.
 */
import type { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { z as zod } from 'zod';
import { problem } from './schemas/common';

type ZodObjectLike = z.ZodObject;

export interface OperationSpec {
  id: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameters, as the route parses them. */
  path?: ZodObjectLike;
  query?: ZodObjectLike;
  /** The JSON body; `optional` for a POST that also takes none. */
  body?: { schema: z.ZodType; optional?: boolean };
  /** Takes an Idempotency-Key (README, Idempotency). */
  idempotent?: boolean;
  /** Success answers by status: a schema (JSON), or another media type's description. */
  answers: Record<number, { description: string; schema?: z.ZodType; mediaType?: string; location?: boolean }>;
  /** Problems this route itself can raise, beyond those its traits imply. */
  problems?: number[];
  /** Served before authentication (health, the reference). */
  open?: boolean;
  /** Reads only: a read-only key may call it (no 403). */
  readOnly?: boolean;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed: see `errors` for each field',
  401: 'No API key, or not a valid one',
  402: 'The payment was declined',
  403: 'The API key is read-only',
  404: 'No such resource, or no such route',
  409: 'Not possible now (the subscription\'s state), or the Idempotency-Key\'s first request is still running',
  413: 'The body is larger than 64 kB',
  415: 'The body is not application/json',
  422: 'A business rule forbids it, whatever the state',
  429: 'The API key\'s rate limit is exceeded (see Retry-After)',
  500: 'Our fault: nothing changed unless the answer says so',
  502: 'The payment gateway failed',
  503: 'A dependency is unavailable, or the outcome at the gateway is not known yet: retry with the same Idempotency-Key',
};

export const problemResponse = (status: number): ZodOpenApiResponseObject => ({
  description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem',
  content: { 'application/problem+json': { schema: problem } },
});

const IDEMPOTENCY_KEY = zod
  .string()
  .min(1)
  .max(255)
  .meta({ description: 'Makes a retry of this request safe: the same key answers with the first request\'s answer (README, Idempotency)' });

/** The statuses an operation can answer with a problem, from what it is. */
export function problemStatuses(spec: OperationSpec): number[] {
  const statuses = new Set(spec.problems ?? []);
  if (!spec.open) [401, 429].forEach((s) => statuses.add(s));
  if (!spec.open && !spec.readOnly) statuses.add(403);
  if (spec.path || spec.query || spec.body || spec.idempotent) statuses.add(400);
  if (spec.path) statuses.add(404);
  if (spec.body) [413, 415].forEach((s) => statuses.add(s));
  if (spec.idempotent) [409, 422].forEach((s) => statuses.add(s));
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

type StatusKey = `${1 | 2 | 3 | 4 | 5}${string}`;
function statusKey(status: number | string): StatusKey {
  const key = String(status);
  if (!isStatusKey(key)) throw new Error(`not an HTTP status: ${key}`);
  return key;
}
const isStatusKey = (key: string): key is StatusKey => /^[1-5][0-9][0-9]$/.test(key);

export function operation(spec: OperationSpec): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, answer] of Object.entries(spec.answers)) {
    responses[statusKey(status)] = {
      description: answer.description,
      ...(answer.schema ? { content: { [answer.mediaType ?? 'application/json']: { schema: answer.schema } } } : {}),
      ...(answer.mediaType && !answer.schema ? { content: { [answer.mediaType]: { schema: { type: 'string' } } } } : {}),
      ...(answer.location ? { headers: zod.object({ Location: zod.string().meta({ description: 'Where the new resource is' }) }) } : {}),
    };
  }
  for (const status of problemStatuses(spec)) responses[statusKey(status)] = problemResponse(status);
  return {
    operationId: spec.id,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.open ? { security: [] } : {}),
    requestParams: {
      ...(spec.path ? { path: spec.path } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.idempotent ? { header: zod.object({ 'Idempotency-Key': IDEMPOTENCY_KEY.optional() }) } : {}),
    },
    ...(spec.body
      ? { requestBody: { required: !spec.body.optional, content: { 'application/json': { schema: spec.body.schema } } } }
      : {}),
    responses,
  };
}
