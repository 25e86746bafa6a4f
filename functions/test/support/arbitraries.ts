/**
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document (which zod-openapi made from
 * the routes' zod schemas): values that fit a schema, and near misses (a value with one thing
 * wrong). zod-fast-check would derive them from zod directly, but it supports zod 3 only.
 */
import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;

interface Ctx {
  resolve(ref: string): JsonSchema;
}

const ISO_MIN = new Date('1990-01-01T00:00:00Z').getTime();
const ISO_MAX = new Date('2030-12-31T23:59:59Z').getTime();
const isoDate = fc.integer({ min: ISO_MIN, max: ISO_MAX }).map((t) => new Date(t).toISOString());

/** Values that fit `schema` (bounded in size: arrays of at most a few items). */
export function fitting(schema: JsonSchema, ctx: Ctx): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return fitting(ctx.resolve(schema.$ref), ctx);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fitting(s, ctx)));
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = schema.type;
  if (Array.isArray(type))
    return fc.oneof(...type.map((t) => fitting({ ...schema, type: t as string }, ctx)));
  switch (type) {
    case 'string':
      return stringFitting(schema);
    case 'integer':
      return fc.integer({
        min: Math.ceil((schema.minimum as number | undefined) ?? -1_000),
        max: Math.floor((schema.maximum as number | undefined) ?? 100_000),
      });
    case 'number':
      return fc.double({
        min: (schema.minimum as number | undefined) ?? -1e6,
        max: (schema.maximum as number | undefined) ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (Array.isArray(schema.prefixItems))
        return fc.tuple(...(schema.prefixItems as JsonSchema[]).map((s) => fitting(s, ctx)));
      const min = (schema.minItems as number | undefined) ?? 0;
      const max = Math.min((schema.maxItems as number | undefined) ?? min + 4, min + 4);
      return fc.array(fitting((schema.items as JsonSchema | undefined) ?? {}, ctx), {
        minLength: min,
        maxLength: max,
      });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      if (Object.keys(properties).length === 0)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }));
      return fc.record(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, fitting(s, ctx)])), {
        requiredKeys: required,
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFitting(schema: JsonSchema): fc.Arbitrary<string> {
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? 40;
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.format === 'date') return isoDate.map((d) => d.slice(0, 10));
  if (schema.format === 'date-time') return isoDate;
  if (schema.format === 'uri') return fc.webUrl();
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  return fc.string({ minLength: min, maxLength: Math.min(max, min + 40) });
}

/** A value like `fitting` gives, with one thing wrong (or garbage altogether). */
export function nearMiss(schema: JsonSchema, ctx: Ctx): fc.Arbitrary<unknown> {
  const resolved = typeof schema.$ref === 'string' ? ctx.resolve(schema.$ref) : schema;
  const garbage = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.constant({}),
    fc.constant(true),
  );
  const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
  const keys = Object.keys(properties);
  if (resolved.type !== 'object' || keys.length === 0) return garbage;
  const base = fitting(resolved, ctx) as fc.Arbitrary<Record<string, unknown>>;
  return fc.oneof(
    garbage,
    // one property of the wrong type or out of range
    fc
      .tuple(base, fc.constantFrom(...keys), garbage)
      .map(([value, key, wrong]) => ({ ...value, [key]: wrong })),
    // a required property missing
    ...(Array.isArray(resolved.required) && resolved.required.length > 0
      ? [
          fc.tuple(base, fc.constantFrom(...(resolved.required as string[]))).map(([value, key]) => {
            const copy = { ...value };
            delete copy[key];
            return copy;
          }),
        ]
      : []),
    // a property nobody asked for (refused by strict schemas)
    base.map((value) => ({ ...value, unexpected: 'x' })),
  );
}
