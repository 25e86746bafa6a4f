/** The served contract, as deployed clients fetch it: through Hosting and from the function. */
import { readJson } from '../support/json';
import { validateOpenApi } from '../support/openapi-validator';
import { apiUrl } from './helpers';

it('GET /v1/openapi.json answers the same valid OpenAPI 3.1 document through Hosting and directly', async () => {
  const [viaHosting, direct] = await Promise.all(
    (['hosting', 'direct'] as const).map(async (via) => {
      const res = await fetch(apiUrl('/v1/openapi.json', via));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      return readJson(res);
    }),
  );
  expect(viaHosting).toEqual(direct);
  expect(validateOpenApi(direct)).toEqual({ valid: true });
  expect(direct.info.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(Object.keys(direct.paths)).toEqual(
    expect.arrayContaining(['/v1/games', '/v1/billing/checkout', '/v1/billing/sync', '/stripe/webhook']),
  );
});
