/**
 * firestore.rules against the Firestore emulator with @firebase/rules-unit-testing: each collection
 * x anonymous, owner, other user, admin, allowed or denied as designed. Runs in its own demo
 * project, so it never touches the data of the other tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { doc, getDoc, serverTimestamp, setDoc, updateDoc, deleteDoc, Timestamp } from 'firebase/firestore';

let env: RulesTestEnvironment;
const OWNER = 'owner-uid';

beforeAll(async () => {
  const [host, port] = (process.env.FIRESTORE_EMULATOR_HOST as string).split(':');
  env = await initializeTestEnvironment({
    projectId: 'demo-rules-test',
    firestore: {
      rules: readFileSync(join(__dirname, '..', '..', '..', 'firestore.rules'), 'utf8'),
      host,
      port: Number(port),
    },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, 'games/g1'), { sport: 'nfl' });
    await setDoc(doc(db, 'user_metrics/m1'), {
      userId: OWNER,
      type: 'view',
      engagementScore: 1,
      timestamp: Timestamp.now(),
    });
    await setDoc(doc(db, `agg_user_daily/${OWNER}_2026-11-22`), {
      userId: OWNER,
      date: '2026-11-22',
      count: 1,
    });
    for (const path of [
      'agg_model/m@v_2017',
      'agg_insights/open_high',
      'insights/i1',
      'processed_events/e1',
      'ops/x',
      'models/nfl-wp',
      'models/nfl-wp/versions/v1',
      'sports/nfl',
      'predictions/p1',
      `customers/${OWNER}`,
      `customers/${OWNER}/subscriptions/sub_1`,
      `entitlements/${OWNER}`,
      'stripe_events/evt_1',
    ]) {
      await setDoc(doc(db, path), { x: 1 });
    }
  });
}, 30_000);
afterAll(() => env.cleanup());

type Who = 'anonymous' | 'owner' | 'other' | 'admin';
const as = (who: Who) =>
  who === 'anonymous'
    ? env.unauthenticatedContext().firestore()
    : env
        .authenticatedContext(
          who === 'owner' ? OWNER : who === 'other' ? 'other-uid' : 'admin-uid',
          who === 'admin' ? { admin: true } : {},
        )
        .firestore();

const metric = (userId: string) => ({
  userId,
  type: 'pick',
  engagementScore: 60,
  timestamp: serverTimestamp(),
});

describe('reads', () => {
  const cases: [string, Record<Who, boolean>][] = [
    ['games/g1', { anonymous: true, owner: true, other: true, admin: true }],
    ['user_metrics/m1', { anonymous: false, owner: false, other: false, admin: false }],
    [`agg_user_daily/${OWNER}_2026-11-22`, { anonymous: false, owner: true, other: false, admin: true }],
    ['agg_model/m@v_2017', { anonymous: false, owner: false, other: false, admin: true }],
    ['agg_insights/open_high', { anonymous: false, owner: false, other: false, admin: true }],
    ['insights/i1', { anonymous: false, owner: false, other: false, admin: true }],
    ['processed_events/e1', { anonymous: false, owner: false, other: false, admin: false }],
    ['ops/x', { anonymous: false, owner: false, other: false, admin: false }],
    ['models/nfl-wp', { anonymous: true, owner: true, other: true, admin: true }],
    ['models/nfl-wp/versions/v1', { anonymous: false, owner: false, other: false, admin: false }],
    ['sports/nfl', { anonymous: true, owner: true, other: true, admin: true }],
    ['predictions/p1', { anonymous: false, owner: false, other: false, admin: false }],
    [`customers/${OWNER}`, { anonymous: false, owner: true, other: false, admin: false }],
    [`customers/${OWNER}/subscriptions/sub_1`, { anonymous: false, owner: true, other: false, admin: false }],
    [`entitlements/${OWNER}`, { anonymous: false, owner: true, other: false, admin: false }],
    ['stripe_events/evt_1', { anonymous: false, owner: false, other: false, admin: false }],
  ];
  for (const [path, expected] of cases) {
    for (const who of ['anonymous', 'owner', 'other', 'admin'] as const) {
      it(`${who} ${expected[who] ? 'may' : 'may not'} read ${path}`, async () => {
        const attempt = getDoc(doc(as(who), path));
        await (expected[who] ? assertSucceeds(attempt) : assertFails(attempt));
      });
    }
  }
});

describe('insights, a Pro feature as in the API', () => {
  const reader = (uid: string) => env.authenticatedContext(uid).firestore();
  beforeAll(async () => {
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      const entitlement = (tier: string, graceUntil: Timestamp | null, tierAfterGrace: string) => ({
        tier,
        status: 'active',
        graceUntil,
        tierAfterGrace,
      });
      await setDoc(doc(db, 'entitlements/pro-uid'), entitlement('pro', null, 'pro'));
      await setDoc(doc(db, 'entitlements/elite-uid'), entitlement('elite', null, 'elite'));
      await setDoc(doc(db, 'entitlements/free-uid'), entitlement('free', null, 'free'));
      const hourAgo = Timestamp.fromMillis(Date.now() - 3_600_000);
      const inAnHour = Timestamp.fromMillis(Date.now() + 3_600_000);
      await setDoc(doc(db, 'entitlements/lapsed-uid'), entitlement('pro', hourAgo, 'free'));
      await setDoc(doc(db, 'entitlements/grace-uid'), entitlement('pro', inAnHour, 'free'));
    });
  });
  const cases: [string, boolean][] = [
    ['pro-uid', true],
    ['elite-uid', true],
    ['grace-uid', true], // past_due, still inside the grace period
    ['lapsed-uid', false], // the grace period is over
    ['free-uid', false],
    ['no-entitlement-uid', false],
  ];
  for (const [uid, allowed] of cases) {
    it(`${uid} ${allowed ? 'may' : 'may not'} read the feed and its counts`, async () => {
      for (const path of ['insights/i1', 'agg_insights/open_high']) {
        const attempt = getDoc(doc(reader(uid), path));
        await (allowed ? assertSucceeds(attempt) : assertFails(attempt));
      }
    });
  }
});

describe('writes', () => {
  for (const who of ['anonymous', 'owner', 'other', 'admin'] as const) {
    it(`${who} may not write games, sports, models, aggregates, insights, ledger, ops or billing`, async () => {
      const db = as(who);
      for (const path of [
        'games/g1',
        'sports/nfl',
        'models/nfl-wp',
        `agg_user_daily/${OWNER}_2026-11-22`,
        'agg_model/m@v_2017',
        'agg_insights/open_high',
        'insights/i1',
        'processed_events/e1',
        'ops/x',
        `customers/${OWNER}`,
        `customers/${OWNER}/subscriptions/sub_1`,
        `customers/${OWNER}/checkout_sessions/cs_1`,
        `entitlements/${OWNER}`,
        'stripe_events/evt_1',
      ]) {
        await assertFails(setDoc(doc(db, path), { count: 999 }));
      }
    });
  }

  it('a signed-in user may create their own metric with the server time', async () => {
    await assertSucceeds(setDoc(doc(as('owner'), 'user_metrics/new-1'), metric(OWNER)));
  });
  it('nobody may create a metric for someone else, anonymously, or with a bad shape', async () => {
    await assertFails(setDoc(doc(as('other'), 'user_metrics/new-2'), metric(OWNER)));
    await assertFails(setDoc(doc(as('anonymous'), 'user_metrics/new-3'), metric(OWNER)));
    await assertFails(setDoc(doc(as('owner'), 'user_metrics/new-4'), { ...metric(OWNER), type: 'like' }));
    await assertFails(
      setDoc(doc(as('owner'), 'user_metrics/new-5'), { ...metric(OWNER), engagementScore: 101 }),
    );
    await assertFails(
      setDoc(doc(as('owner'), 'user_metrics/new-6'), {
        ...metric(OWNER),
        timestamp: Timestamp.fromDate(new Date('2020-01-01')),
      }),
    );
    await assertFails(setDoc(doc(as('owner'), 'user_metrics/new-7'), { ...metric(OWNER), extra: true }));
  });
  it('metrics are create-only: no update or delete, even by their owner', async () => {
    await assertFails(updateDoc(doc(as('owner'), 'user_metrics/m1'), { engagementScore: 99 }));
    await assertFails(deleteDoc(doc(as('owner'), 'user_metrics/m1')));
  });
});
