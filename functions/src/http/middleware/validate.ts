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
