import express from 'express';
import { readJson } from '../../support/json';
import { z } from 'zod';
import '../../../src/http/types';
import { errorHandler } from '../../../src/http/errors';
import { requestContext } from '../../../src/http/middleware/request-context';
import { parseRequest } from '../../../src/http/middleware/validate';
import { serve } from './serve';

const app = express();
app.use(requestContext(), express.json());
app.post('/items/:id', (req, res) => {
  const { params, query, body } = parseRequest(req, {
    params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
    query: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
    body: z.object({ gameIds: z.array(z.string().min(1)).max(3) }),
  });
  res.json({ id: params.id, limit: query.limit, n: body.gameIds.length });
});
app.use(errorHandler);

let server: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  server = await serve(app);
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('parseRequest', () => {
  it('passes typed, defaulted values to the handler', async () => {
    const res = await post('/items/abc', { gameIds: ['g1'] });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ id: 'abc', limit: 5, n: 1 });
  });

  it('answers one 400 that names every offending field in every part', async () => {
    const res = await post('/items/ABC?limit=50', { gameIds: ['ok', ''] });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'body.gameIds[1]',
      'params.id',
      'query.limit',
    ]);
  });

  it('names a missing body field', async () => {
    const body = await readJson(await post('/items/abc', {}));
    expect(body.error.fields).toEqual([{ field: 'body.gameIds', message: expect.any(String) }]);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post('/items/abc', '{bad');
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.message).toMatch(/not valid JSON/);
  });
});
