/**
 * The contract covers the code: every route createApp serves is in the OpenAPI document and every
 * documented /v1 route is served; the document is valid OpenAPI 3.1.
 */
import type { Router } from 'express';
import { L2Cache } from '../../../src/cache/l2';
import { FREE_ENTITLEMENT } from '../../../src/domain/entitlements';
import { createApp } from '../../../src/http/app';
import { OPERATIONS, openApiDocument } from '../../../src/http/contract/openapi';
import { routesOf } from '../../../src/http/middleware/http-policy';
import { RateLimiter } from '../../../src/services/rate-limiter';
import type { Json } from '../../support/json';
import { validateOpenApi } from '../../support/openapi-validator';

const unused = () => {
  throw new Error('not used');
};
const app = createApp({
  db: unused,
  l2: () => new L2Cache(() => null),
  predictions: unused,
  verifyIdToken: () => Promise.reject(new Error('not used')),
  health: () => ({ firestore: () => Promise.resolve(), redis: null, version: '1.2.3', timeoutMs: 10 }),
  entitlements: () => ({ get: () => Promise.resolve(FREE_ENTITLEMENT), remember: () => undefined }),
  limiter: () => new RateLimiter(() => null, new L2Cache(() => null)),
  billing: unused,
});

/** Express's `/games/:gameId` and `/predictions\:batch` as OpenAPI paths under /v1. */
const openApiPath = (expressPath: string) =>
  `/v1${expressPath.replace(/\\:/g, ':').replace(/(^|\/):([A-Za-z]+)/g, '$1{$2}')}`;

it('documents exactly the routes createApp serves', () => {
  const served = routesOf((app as unknown as { _router: Router })._router)
    .flatMap((r) => r.methods.map((m) => `${m} ${openApiPath(r.path)}`))
    .sort();
  const documented = OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
  expect(served.length).toBeGreaterThan(20);
  expect(documented).toEqual(served);
});

it('is valid OpenAPI 3.1, with the webhook, billing routes and security scheme', () => {
  const doc = openApiDocument('1.2.3') as unknown as Json;
  expect(validateOpenApi(doc)).toEqual({ valid: true });
  expect(validateOpenApi({ ...doc, info: { title: 'no version' } }).valid).toBe(false);
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/stripe/webhook', '/v1/billing/checkout']));
  expect(doc.components.securitySchemes.firebaseIdToken).toMatchObject({ type: 'http', scheme: 'bearer' });
});

it('says who may call each operation, names the tier of paid ones, and documents 429 on metered ones', () => {
  const doc = openApiDocument('1.2.3') as unknown as Json;
  const batch = doc.paths['/v1/predictions:batch'].post;
  expect(batch['x-required-tier']).toBe('pro');
  expect(batch.description).toMatch(/pro\*\* tier/);
  expect(batch.security).toEqual([{ firebaseIdToken: [] }]);
  expect(Object.keys(batch.responses)).toEqual(
    expect.arrayContaining(['200', '400', '401', '403', '413', '415', '429']),
  );
  const games = doc.paths['/v1/games'].get;
  expect(games.security).toEqual([{}, { firebaseIdToken: [] }]);
  expect(doc.paths['/v1/ping'].get.responses['429']).toBeUndefined();
  expect(doc.components.headers).toHaveProperty('RateLimit-Policy');
});
