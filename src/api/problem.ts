/**
 * RFC 9457 problem details: every API error is `application/problem+json` whose `type` ends in a
 * stable machine code (problem-types.ts, docs/api-errors.md) beside the human `detail`.
 */
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { problemTypeUri, type ProblemCode } from './problem-types';
import { requestIdOf } from './request-id';

export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  402: 'Payment declined',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Business rule violated',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Payment gateway error',
  503: 'Service unavailable',
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

/** The body carries the request's id (`requestId`, as in the `X-Request-Id` header) to quote when reporting it. */
export function sendProblem(res: Response, problem: HttpProblem): void {
  const requestId = requestIdOf(res.req);
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      ...problem.extra,
      type: problemTypeUri(problem.code),
      code: problem.code,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      ...(requestId === undefined ? {} : { requestId }),
    });
}

/** body-parser's own errors: malformed JSON, an oversized body, a charset it cannot read. */
function edgeCodeOf(status: number, type: unknown): ProblemCode {
  if (type === 'entity.parse.failed') return 'invalid-json';
  if (status === 415) return 'unsupported-media-type';
  if (status === 404) return 'not-found';
  return 'invalid-request';
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof HttpProblem) return sendProblem(res, error);
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status < 500) return sendProblem(res, new HttpProblem(status, edgeCodeOf(status, error?.type), error.message ?? 'invalid request body'));
    logger.error({ err: { message: error?.message, name: error?.name }, path: req.path }, 'unhandled API error');
    sendProblem(res, new HttpProblem(500, 'internal-error', 'internal error; nothing was changed by this request unless its response said so'));
  };
}
