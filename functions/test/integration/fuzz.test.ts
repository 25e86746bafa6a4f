/**
 * Property-based input tests for every operation of the OpenAPI document: 200 requests each,
 * half fitting the operation's request schemas, half near misses, generated from those schemas
 * (support/arbitraries.ts). The route's own zod schemas are the oracle: input they refuse must get
 * a 400 JSON error, input they take a documented answer; never a 5xx, never anything but JSON; and
 * every answer matches the document. The app runs in this process (createApp, the code the
 * function serves) over the emulators' Firestore and Auth and the real Redis, with triggers paused,
 * so 5,000 requests take seconds, not the Functions emulator's minutes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ZodType } from 'zod';
import { checkContract, type OpenApiDoc, type Recorded } from '../../../scripts/lib/contract';
import { OPERATIONS, openApiDocument } from '../../src/http/contract/openapi';
import { fitting, nearMiss, type JsonSchema } from '../support/arbitraries';
import { clearFirestore, idTokenFor, readRepoJson, repoRoot } from './helpers';
import { startInProcessApp, type InProcessApp } from './in-process-app';

/** fast-check's default; `FUZZ_RUNS=1000 npm test -- --only integration --pattern fuzz` digs deeper. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
/** Operations where input the schema takes can still be refused with a 400 (no such team, price). */
const SEMANTIC_400 = new Set(['predictMatchup', 'importGames', 'createCheckout']);

const doc = openApiDocument('fuzz') as unknown as OpenApiDoc & {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Param[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        responses: Record<string, unknown>;
      }
    >
  >;
};
interface Param {
  in: 'path' | 'query';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
const ctx = {
  resolve: (ref: string) =>
    (doc.components.schemas as Record<string, JsonSchema>)[ref.split('/').pop() as string] as JsonSchema,
};

let app: InProcessApp;
let base: string;
let token: string;
const records: Recorded[] = [];

/** The emulator hub pauses background triggers: the fuzz writes games and events at random. */
async function triggers(on: boolean): Promise<void> {
  const res = await fetch(
    `http://${process.env.FIREBASE_EMULATOR_HUB}/functions/${on ? 'enable' : 'disable'}BackgroundTriggers`,
    { method: 'PUT' },
  );
  if (!res.ok) throw new Error(`emulator hub: ${res.status}`);
}

beforeAll(async () => {
  await triggers(false);
  token = await idTokenFor('fuzz-admin@example.com', { admin: true });
  app = await startInProcessApp();
  base = app.base;
  // A model serves, so predictions answer 200/404/400 (unknown teams), not 503 (no model yet).
  const artifact = readRepoJson('models', 'nfl', 'model.json');
  const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const [path, body] of [
    ['/v1/models/nfl-wp/versions', { artifact }],
    ['/v1/models/nfl-wp/activate', { version: artifact.metadata.version }],
  ] as const) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await clearFirestore(); // the random games and events it stored (and triggers back on)
}, 60_000);

interface Candidate {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const objectOf = (params: Param[]): JsonSchema => ({
  type: 'object',
  properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
  required: params.filter((p) => p.required).map((p) => p.name),
});

function arbitraries(op: (typeof OPERATIONS)[number]) {
  const spec = doc.paths[op.path]?.[op.method] ?? { responses: {} };
  const params = spec.parameters ?? [];
  const pathSchema = objectOf(params.filter((p) => p.in === 'path'));
  const querySchema = objectOf(params.filter((p) => p.in === 'query'));
  const bodySchema = spec.requestBody?.content['application/json']?.schema;
  const part = (schema: JsonSchema, miss: boolean) => (miss ? nearMiss(schema, ctx) : fitting(schema, ctx));
  /** Path and query values travel as text: a miss is one of them replaced by other text. */
  const textPart = (schema: JsonSchema, miss: boolean): fc.Arbitrary<Record<string, unknown>> => {
    const valid = fitting(schema, ctx) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(schema.properties as object);
    if (!miss || keys.length === 0) return valid;
    const wrong = fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom('-1', '0', '1e9', 'null', '__x__', 'true'),
    );
    return fc
      .tuple(valid, fc.constantFrom(...keys), wrong)
      .map(([value, key, text]) => ({ ...value, [key]: text }));
  };
  const hasPath = Object.keys(pathSchema.properties as object).length > 0;
  const hasQuery = Object.keys(querySchema.properties as object).length > 0;
  const make = (missPart: 'path' | 'query' | 'body' | null): fc.Arbitrary<Candidate> =>
    fc.record({
      path: hasPath ? textPart(pathSchema, missPart === 'path') : fc.constant({}),
      query: hasQuery ? textPart(querySchema, missPart === 'query') : fc.constant({}),
      ...(bodySchema ? { body: part(bodySchema, missPart === 'body') } : {}),
    });
  const misses = [hasPath && 'path', hasQuery && 'query', bodySchema && 'body'].filter(Boolean) as (
    'path' | 'query' | 'body'
  )[];
  return misses.length === 0 ? make(null) : fc.oneof(make(null), ...misses.map((m) => make(m)));
}

/** What Express hands the route: path and query values as strings, the body through JSON. */
function wire(op: (typeof OPERATIONS)[number], c: Candidate) {
  const pathValues: Record<string, string> = {};
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = text(c.path[name] ?? '');
    // An empty segment, or a dot segment (which every URL parser removes, `%2E` too), cannot be sent.
    pathValues[name] = value === '' || value === '.' || value === '..' ? '_' : value;
    return encodeURIComponent(pathValues[name]);
  });
  const query = new URLSearchParams();
  const queryValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.query ?? {})) {
    if (v === undefined) continue;
    queryValues[k] = text(v);
    query.set(k, queryValues[k]);
  }
  if ([...query].length > 0) url += `?${query.toString()}`;
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  return {
    url,
    pathValues,
    queryValues,
    body,
    parsedBody: body === undefined ? undefined : (JSON.parse(body) as unknown),
  };
}

const accepts = (schema: ZodType | undefined, value: unknown) => !schema || schema.safeParse(value).success;

/** One operation's property: RUNS generated requests, each answered as the schemas say. */
function property(op: (typeof OPERATIONS)[number]): Promise<void> {
  const documented = new Set(Object.keys(doc.paths[op.path]?.[op.method]?.responses ?? {}).map(Number));
  return fc.assert(
    fc.asyncProperty(arbitraries(op), async (candidate) => {
      const req = wire(op, candidate);
      const res = await fetch(`${base}${req.url}`, {
        method: op.method.toUpperCase(),
        headers: {
          authorization: `Bearer ${token}`,
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      const body = await res.text();
      records.push({
        method: op.method.toUpperCase(),
        path: req.url,
        status: res.status,
        contentType: res.headers.get('content-type'),
        body,
        headers: {},
        file: 'fuzz.test.ts',
      });
      const valid =
        accepts(op.params, req.pathValues) &&
        accepts(op.query, req.queryValues) &&
        accepts(op.body, req.parsedBody);
      const verdict = `${res.status} ${res.headers.get('content-type')} ${valid ? 'valid' : 'invalid'}: ${body.slice(0, 200)}`;
      expect(
        res.status < 500 && /^application\/json/.test(res.headers.get('content-type') ?? '')
          ? 'json'
          : verdict,
      ).toBe('json');
      if (!valid) expect(res.status === 400 ? 400 : verdict).toBe(400);
      else if (res.status === 400) expect(SEMANTIC_400.has(op.operationId) ? 400 : verdict).toBe(400);
      else expect(documented.has(res.status) ? res.status : verdict).toBe(res.status);
    }),
    { numRuns: RUNS, seed: 20261130 },
  );
}

const timings: Record<string, number> = {};

it(`${RUNS} generated requests per operation: 400 exactly for what the schemas refuse, a documented answer otherwise`, async () => {
  // Operations run side by side (a few at a time); each failure names its operation.
  const failures: string[] = [];
  const queue = [...OPERATIONS];
  const worker = async () => {
    for (let op = queue.shift(); op; op = queue.shift()) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const started = Date.now();
      await property(op).catch((err: unknown) =>
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`),
      );
      timings[name] = Date.now() - started;
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  // Where the time goes, per operation (they run 6 at a time), for whoever makes this faster.
  mkdirSync(join(repoRoot, '.test-results'), { recursive: true });
  writeFileSync(join(repoRoot, '.test-results', 'fuzz-timings.json'), JSON.stringify(timings, null, 2));
  expect(failures).toEqual([]);
}, 300_000);

it('every fuzzed answer matches the OpenAPI document', () => {
  expect(records.length).toBe(RUNS * OPERATIONS.length);
  expect(checkContract(doc, records).problems).toEqual([]);
});
