import { checkContract, type OpenApiDoc, type Recorded } from './contract';

const doc: OpenApiDoc = {
  paths: {
    '/v1/games/{gameId}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: { type: 'object', required: ['gameId'], properties: { gameId: { type: 'string' } } },
              },
            },
          },
          '404': { $ref: '#/components/responses/NotFound' },
          default: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
        },
      },
    },
    responses: {
      NotFound: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};

const rec = (over: Partial<Recorded>): Recorded => ({
  method: 'GET',
  path: '/v1/games/g1',
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: '{"gameId":"g1"}',
  headers: {},
  file: 'x.test.ts',
  ...over,
});

it('accepts answers that match, through $refs, and reports statuses never seen', () => {
  const report = checkContract(doc, [rec({}), rec({ path: '/v1/games/g2?x=1' })]);
  expect(report.problems).toEqual([]);
  expect(report.uncovered).toEqual(['GET /v1/games/{gameId} 404']);
  const all = checkContract(doc, [rec({}), rec({ status: 404, body: '{"error":{"code":"not_found"}}' })]);
  expect(all).toMatchObject({ checked: 2, problems: [], uncovered: [] });
});

it('reports a body that does not match, an undocumented status, and a wrong content type', () => {
  const report = checkContract(doc, [
    rec({ body: '{"id":"g1"}' }),
    rec({ status: 409, body: '{"error":{"code":"conflict"}}' }),
    rec({ status: 404, contentType: 'text/html', body: '<p>no</p>' }),
  ]);
  expect(report.problems).toEqual([
    expect.stringMatching(/^GET \/v1\/games\/g1 200 .*must have required property 'gameId'/),
    expect.stringMatching(/409 .*status not documented/),
    expect.stringMatching(/404 .*answered text\/html, documented application\/json/),
  ]);
});

it('takes 5xx under default, unknown paths only as JSON 404s, other methods only as 405 with Allow', () => {
  const report = checkContract(doc, [
    rec({ status: 503, body: '{"error":{"code":"unavailable"}}' }),
    rec({ path: '/v1/nowhere', status: 404, body: '{"error":{"code":"not_found"}}' }),
    rec({ path: '/v1/nowhere', status: 200 }),
    rec({
      method: 'DELETE',
      status: 405,
      body: '{"error":{"code":"method_not_allowed"}}',
      headers: { allow: 'GET' },
    }),
    rec({ method: 'DELETE', status: 404, body: '{"error":{"code":"not_found"}}' }),
  ]);
  expect(report.problems).toEqual([
    expect.stringMatching(/\/v1\/nowhere 200 .*unknown path must answer 404/),
    expect.stringMatching(/DELETE \/v1\/games\/g1 404 .*405 with Allow/),
  ]);
});
