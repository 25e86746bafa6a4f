/**
 * The games import refuses what it cannot read before touching Firestore, so its 400s are shown
 * here in process (the Firestore end state of an import is in integration/games-api.test.ts).
 */
import { createApp } from '../../../src/http/app';
import { L2Cache } from '../../../src/cache/l2';
import { FREE_ENTITLEMENT } from '../../../src/domain/entitlements';
import { RateLimiter } from '../../../src/services/rate-limiter';
import { readJson } from '../../support/json';
import { serve } from './serve';

const unavailable = (what: string) => () => {
  throw new Error(`no ${what} in unit tests`);
};
let server: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  server = await serve(
    createApp({
      db: unavailable('Firestore'),
      l2: () => new L2Cache(() => null),
      predictions: unavailable('predictions'),
      verifyIdToken: () => Promise.resolve({ uid: 'a1', email: 'a1@example.com', roles: ['admin'] }),
      health: unavailable('health'),
      entitlements: () => ({ get: () => Promise.resolve(FREE_ENTITLEMENT), remember: () => undefined }),
      limiter: () => new RateLimiter(() => null, new L2Cache(() => null)),
      billing: unavailable('billing'),
      runtimeStats: () => ({}),
      corsOrigins: () => [],
    }),
  );
});
afterAll(() => server.close());

const importCsv = (csv: string) =>
  fetch(`${server.url}/v1/admin/games:import`, {
    method: 'POST',
    headers: { authorization: 'Bearer admin', 'content-type': 'text/csv' },
    body: csv,
  });

describe('POST /v1/admin/games:import', () => {
  it('answers 400 for a flag it cannot read, naming the row, the column and the words it takes', async () => {
    const res = await importCsv(
      'date,season,neutral,playoff,team1,team2,score1,score2\n' +
        '2021-09-12,2021,n,,LV,BAL,33,27\n' +
        '2021-09-19,2021,maybe,,LV,PIT,26,17\n',
    );
    expect(res.status).toBe(400);
    expect((await readJson(res)).error).toEqual({
      code: 'invalid_argument',
      message: 'Some games are invalid; nothing was imported.',
      fields: [
        {
          field: 'body[1].neutral',
          message: '"maybe" is not a flag: use 1/0, true/false, t/f, yes/no, y/n, or empty for false',
        },
      ],
    });
  });
});
