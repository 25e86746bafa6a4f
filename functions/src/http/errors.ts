/**
 * The one error policy (STYLE.md §10). Handlers throw; this module turns errors into responses:
 * 4xx messages pass through to the caller (with field-level detail for validation errors), 5xx
 * bodies are generic and the log carries the detail, the stack and the request id.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { logger } from '../observability/logger';

export interface FieldError {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    /** More members of the error object (e.g. `requiredTier`), documented per code. */
    readonly details?: Record<string, string | number | boolean>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, fields?: FieldError[]): HttpError =>
  new HttpError(400, 'invalid_argument', message, fields);
export const unauthenticated = (message = 'Sign in first: send Authorization: Bearer <Firebase ID token>.') =>
  new HttpError(401, 'unauthenticated', message);
export const forbidden = (message = 'This action needs the admin role.') =>
  new HttpError(403, 'permission_denied', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
/** 403 for a feature above the caller's tier; `requiredTier` names the tier that unlocks it. */
export const upgradeRequired = (message: string, tier: string) =>
  new HttpError(403, 'upgrade_required', message, undefined, { requiredTier: tier });
export const rateLimited = (retryAfterSeconds: number) =>
  new HttpError(429, 'rate_limited', `Too many requests. Retry in ${retryAfterSeconds} s.`, undefined, {
    retryAfterSeconds,
  });
export const unavailable = (message: string) => new HttpError(503, 'unavailable', message);

/** Field errors from a zod error, with paths prefixed by the request part (`body.gameIds[3]`). */
export function fieldErrors(error: ZodError, part?: string): FieldError[] {
  return error.issues.map((issue) => {
    let field = part ?? '';
    for (const key of issue.path) {
      field += typeof key === 'number' ? `[${key}]` : field === '' ? String(key) : `.${String(key)}`;
    }
    return { field: field === '' ? (part ?? '(root)') : field, message: issue.message };
  });
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[]; [detail: string]: unknown };
  requestId: string;
}

/** Express parses bodies before our code runs; it reports malformed JSON as an error with status 400. */
function bodyParserStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type } = err as { status?: unknown; type?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string'
    ? status
    : undefined;
}

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const requestId = req.requestId ?? 'unknown';
  let status: number;
  let body: ErrorBody['error'];
  if (err instanceof HttpError) {
    status = err.status;
    body = {
      ...err.details,
      code: err.code,
      message: err.message,
      ...(err.fields ? { fields: err.fields } : {}),
    };
  } else if (err instanceof ZodError) {
    status = 400;
    body = { code: 'invalid_argument', message: 'The request is invalid.', fields: fieldErrors(err) };
  } else if (bodyParserStatus(err) !== undefined) {
    status = bodyParserStatus(err) as number;
    body = { code: 'invalid_argument', message: 'The request body is not valid JSON.' };
  } else {
    status = 500;
    body = { code: 'internal', message: 'Internal error. Quote the request id when reporting it.' };
  }
  const log = req.log ?? logger;
  if (status >= 500) log.error('request failed', { err, status, path: req.path });
  else log.info('request rejected', { status, code: body.code, path: req.path });
  res.status(status).json({ error: body, requestId } satisfies ErrorBody);
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`No route for ${req.method} ${req.path}.`));
};
