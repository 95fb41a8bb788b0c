/** RFC 9457 problem details: every API error is `application/problem+json` (SPEC §7). */
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';

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
  409: 'Invalid transition',
  415: 'Unsupported media type',
  422: 'Business rule violated',
  502: 'Payment gateway error',
  503: 'Service unavailable',
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; type?: string; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  const { type, ...rest } = problem.extra;
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: type ?? `https://subscriptions.local/problems/${problem.status}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      ...rest,
    });
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof HttpProblem) return sendProblem(res, error);
    // express.json() failures: malformed JSON or an oversized body.
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status < 500) return sendProblem(res, new HttpProblem(status, error.message ?? 'invalid request body'));
    logger.error({ err: { message: error?.message, name: error?.name }, path: req.path }, 'unhandled API error');
    sendProblem(res, new HttpProblem(500, 'internal error; nothing was changed by this request unless its response said so'));
  };
}
