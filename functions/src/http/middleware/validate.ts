import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest, fieldErrors } from '../errors';

type Part = 'params' | 'query' | 'body';

/**
 * Parses params, query and body with the schemas that give their types (STYLE.md §9). A failure is
 * one 400 whose `fields` name every offending field, e.g. `query.limit` or `body.gameIds[3]`.
 */
export function parseRequest<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  req: Request,
  schemas: { params?: P; query?: Q; body?: B },
): { params: z.output<P>; query: z.output<Q>; body: z.output<B> } {
  const fields = [];
  const out: Partial<Record<Part, unknown>> = {};
  for (const part of ['params', 'query', 'body'] as const) {
    const schema = schemas[part];
    if (!schema) continue;
    const result = schema.safeParse(req[part]);
    if (result.success) out[part] = result.data;
    else fields.push(...fieldErrors(result.error, part));
  }
  if (fields.length > 0) throw badRequest('The request is invalid.', fields);
  return out as { params: z.output<P>; query: z.output<Q>; body: z.output<B> };
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The caller's `Idempotency-Key` header (undefined when absent); 400 when malformed. Keys are scoped
 * to the caller by whoever uses them, never shared between users.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw badRequest('Invalid Idempotency-Key.', [
      { field: 'header.idempotency-key', message: '1-128 of A-Z a-z 0-9 _ -' },
    ]);
  }
  return key;
}
