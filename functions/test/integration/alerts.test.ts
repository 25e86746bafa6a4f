/**
 * Business alerts end to end against the emulators: the exported evaluateAlerts, run in-process with
 * chosen schedule times (the emulator never fires schedules), over constructed documents. A drifting
 * model opens one alert and sends one notification however often the evaluator runs within the
 * cooldown, escalates after the configured time, and resolves when its numbers recover; a game left
 * scheduled past its window raises a stale-data alert that clears when its result lands; a repeated
 * run id changes nothing; a webhook receiver that is down gets the delivery later, once. The admin
 * routes acknowledge, silence and unsilence through the API.
 *
 * The runs' clock starts 30 days back (whole minutes), so the counters the api writes now are not in
 * their window, and each step's schedule time is later than the one before (an alert ignores a run
 * older than the last it saw).
 */
import { Timestamp, type DocumentData } from 'firebase-admin/firestore';
import { startAlertReceiver, type AlertReceiver } from '../../../scripts/alert-receiver/server';
import { alertId } from '../../src/domain/alert-rules';
import { evaluateAlerts } from '../../src/index';
import { readJson } from '../support/json';
import { apiUrl, clearFirestoreThen, db, tokenWithTier } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Math.floor(Date.now() / MIN) * MIN - 30 * 24 * HOUR;
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const run = (scheduleTime: string) => evaluateAlerts.run({ scheduleTime, jobName: 'evaluateAlerts' });

const DRIFTING = 'alerts-drift-a';
const DOWNSTREAM = 'alerts-drift-b';
const driftAlert = alertId('model-drift-validation', DRIFTING);

/** An agg_model season of 128 graded games with this Brier (no Elo numbers: the Elo rule stays out). */
const season = (modelId: string, brier: number) => ({
  modelId,
  version: 'v1',
  season: 2026,
  n: 128,
  brierSum: brier * 128,
  logLossSum: 0.65 * 128,
  hits: 70,
});

async function addModel(modelId: string): Promise<void> {
  await db().doc(`models/${modelId}`).set({ sport: 'nfl', activeVersion: 'v1', previousVersion: null });
  await db()
    .doc(`models/${modelId}/versions/v1`)
    .set({ status: 'ready', metrics: { validation: { brier: 0.2 } }, createdAt: Timestamp.now() });
}

const docsAbout = async (collection: string, id: string) =>
  (await db().collection(collection).where('alertId', '==', id).get()).docs;
const mailsAbout = async (id: string) =>
  (await db().collection('mail').where('alert.alertId', '==', id).get()).docs.map((d) => d.data());
const alertDoc = async (id: string) => (await db().doc(`alerts/${id}`).get()).data();

const env = { ...process.env };
let receiver: AlertReceiver;

beforeAll(async () => {
  await clearFirestoreThen(async () => {
    await addModel(DRIFTING);
    await addModel(DOWNSTREAM);
  });
  receiver = await startAlertReceiver();
  process.env.ALERT_EMAILS = 'ops@example.com';
  process.env.ALERT_WEBHOOK_URL = receiver.url;
}, 60_000);

afterAll(async () => {
  for (const name of ['ALERT_EMAILS', 'ALERT_WEBHOOK_URL']) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  await receiver.close();
});

describe('a drifting model', () => {
  beforeAll(async () => {
    // Brier 0.235 against a validation Brier of 0.200: 0.035 worse, a warning (0.03; critical 0.05).
    await db().doc(`agg_model/${DRIFTING}@v1_2026`).set(season(DRIFTING, 0.235));
  });

  it('raises one alert and one notification however often the evaluator runs within the cooldown', async () => {
    for (const offset of [0, 5 * MIN, 10 * MIN, 60 * MIN, 3 * HOUR]) await run(at(offset));

    expect(await alertDoc(driftAlert)).toMatchObject({
      ruleId: 'model-drift-validation',
      subject: DRIFTING,
      status: 'open',
      severity: 'warning',
      incidents: 1,
      openedAt: T0,
      lastSeenAt: T0 + 3 * HOUR,
      lastNotifiedAt: T0,
    });
    const mails = await mailsAbout(driftAlert);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      to: ['ops@example.com'],
      message: { subject: expect.stringContaining('[WARNING] model-drift-validation') as unknown },
      alert: { kind: 'opened', incident: 1 },
    });
    const deliveries = await docsAbout('alert_deliveries', driftAlert);
    expect(deliveries.map((d) => d.get('status'))).toEqual(['delivered']);
    expect(receiver.received.filter((r) => r.id === deliveries[0]?.id)).toHaveLength(1);
    expect(
      (receiver.received.find((r) => r.id === deliveries[0]?.id)?.body as { text: string }).text,
    ).toMatch(
      /model-drift-validation alerts-drift-a: opened: .*0\.0350 worse than its validation Brier 0\.2000/,
    );
  });

  it('escalates to critical once open longer than ALERT_ESCALATE_AFTER_HOURS (24)', async () => {
    await run(at(23 * HOUR));
    expect(await alertDoc(driftAlert)).toMatchObject({ severity: 'warning' });
    // 23 h: past the 4 h cooldown, so a reminder (the only one since 0 h: cooldown 4 h, runs above).
    expect((await mailsAbout(driftAlert)).map((m) => (m.alert as DocumentData).kind)).toEqual([
      'opened',
      'reminder',
    ]);
    await run(at(24 * HOUR));
    await run(at(24 * HOUR + 5 * MIN));
    expect(await alertDoc(driftAlert)).toMatchObject({
      status: 'open',
      severity: 'critical',
      escalatedAt: T0 + 24 * HOUR,
    });
    const kinds = (await mailsAbout(driftAlert)).map((m) => (m.alert as DocumentData).kind).sort();
    expect(kinds).toEqual(['escalated', 'opened', 'reminder']);
    expect(
      (await docsAbout('alert_deliveries', driftAlert)).every((d) => d.get('status') === 'delivered'),
    ).toBe(true);
  });

  it('resolves, and says so once, when the numbers recover', async () => {
    await db().doc(`agg_model/${DRIFTING}@v1_2026`).set(season(DRIFTING, 0.205));
    await run(at(25 * HOUR));
    await run(at(25 * HOUR + 5 * MIN));
    expect(await alertDoc(driftAlert)).toMatchObject({ status: 'resolved', resolvedAt: T0 + 25 * HOUR });
    const kinds = (await mailsAbout(driftAlert)).map((m) => (m.alert as DocumentData).kind).sort();
    expect(kinds).toEqual(['escalated', 'opened', 'reminder', 'resolved']);
    const ids = (await docsAbout('alert_deliveries', driftAlert)).map((d) => d.id);
    expect(ids).toHaveLength(4);
    expect(receiver.received.filter((r) => ids.includes(r.id))).toHaveLength(4);
  });
});

it('a game left scheduled past its window raises a stale-data alert that clears when its result lands', async () => {
  const now = T0 + 2 * 24 * HOUR;
  const gameId = 'nfl_2026-alerts_NE_KC';
  const game = {
    sport: 'nfl',
    season: 2026,
    kickoff: Timestamp.fromMillis(now - 7 * HOUR),
    homeTeam: 'NE',
    awayTeam: 'KC',
    neutral: false,
    playoff: false,
    status: 'scheduled',
    homeScore: null,
    awayScore: null,
  };
  await db().doc(`games/${gameId}`).set(game);
  const stale = alertId('stale-games', 'nfl');
  // 5 h after kickoff it is not stale yet (ALERT_STALE_GAME_HOURS = 6).
  await run(new Date(now - 2 * HOUR).toISOString());
  expect(await alertDoc(stale)).toBeUndefined();

  await run(new Date(now).toISOString());
  expect(await alertDoc(stale)).toMatchObject({
    status: 'open',
    severity: 'warning',
    details: { count: 1, oldestGameId: gameId },
  });
  expect((await mailsAbout(stale)).map((m) => (m.alert as DocumentData).kind)).toEqual(['opened']);

  await db()
    .doc(`games/${gameId}`)
    .set({ ...game, status: 'final', homeScore: 24, awayScore: 20 });
  await run(new Date(now + 5 * MIN).toISOString());
  expect(await alertDoc(stale)).toMatchObject({ status: 'resolved', resolvedAt: now + 5 * MIN });
  expect((await mailsAbout(stale)).map((m) => (m.alert as DocumentData).kind).sort()).toEqual([
    'opened',
    'resolved',
  ]);
});

/** Every document the evaluator writes, with its update time. */
async function evaluatorState(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const collections = [
    db().collection('alerts'),
    db().collection('mail'),
    db().collection('alert_deliveries'),
    db().collection('ops').doc('alerts').collection('runs'),
  ];
  for (const c of collections)
    for (const d of (await c.get()).docs)
      out.set(d.ref.path, `${d.updateTime.toMillis()} ${JSON.stringify(d.data())}`);
  return out;
}

it('the evaluator run twice with the same scheduleTime changes nothing the second time', async () => {
  // Four days in: reminders are due for the alerts still open (the overdue jobs, no results).
  const scheduleTime = at(4 * 24 * HOUR);
  const before = await evaluatorState();
  await run(scheduleTime);
  const first = await evaluatorState();
  expect(first).not.toEqual(before);
  const record = (await db().doc(`ops/alerts/runs/${scheduleTime}`).get()).data();
  expect(record).toMatchObject({ runId: scheduleTime });
  expect((record?.notified as unknown[]).length).toBeGreaterThan(0);

  await run(scheduleTime);
  expect(await evaluatorState()).toEqual(first);
});

describe('webhook delivery', () => {
  const downstream = alertId('model-drift-validation', DOWNSTREAM);
  let port: number;

  it('receiver down: the delivery is retried with backoff and recorded, nothing lost', async () => {
    const gone = await startAlertReceiver();
    port = gone.port;
    await gone.close();
    process.env.ALERT_WEBHOOK_URL = gone.url;
    await db().doc(`agg_model/${DOWNSTREAM}@v1_2026`).set(season(DOWNSTREAM, 0.3));

    await run(at(5 * 24 * HOUR));
    const [delivery] = await docsAbout('alert_deliveries', downstream);
    expect(delivery?.data()).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringMatching(/ECONNREFUSED|fetch failed/) as unknown,
    });
    // Backoff: 1 minute after the first failure, 2 after the second.
    expect((delivery?.get('nextAttemptAt') as Timestamp).toMillis()).toBe(T0 + 5 * 24 * HOUR + MIN);
    await run(at(5 * 24 * HOUR + 5 * MIN));
    const again = (await db().doc(`alert_deliveries/${delivery?.id}`).get()).data();
    expect(again).toMatchObject({ status: 'pending', attempts: 2 });
    expect((again?.nextAttemptAt as Timestamp).toMillis()).toBe(T0 + 5 * 24 * HOUR + 7 * MIN);
    expect(receiver.received.some((r) => r.id === delivery?.id)).toBe(false);
  });

  it('back up: delivered once, and a repeat POST (a lost "delivered" write) is deduped by its key', async () => {
    const back = await startAlertReceiver({ port });
    try {
      await run(at(5 * 24 * HOUR + 10 * MIN));
      const [delivery] = await docsAbout('alert_deliveries', downstream);
      expect(delivery?.data()).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
      expect(back.received.filter((r) => r.id === delivery?.id)).toHaveLength(1);
      // Every delivery the outage held back went out too.
      const pending = await db().collection('alert_deliveries').where('status', '==', 'pending').get();
      expect(pending.docs.map((d) => d.id)).toEqual([]);

      await run(at(5 * 24 * HOUR + 15 * MIN));
      expect(back.received.filter((r) => r.id === delivery?.id)).toHaveLength(1);

      // A run that died after its POST, before writing `delivered`: the lease ends, it is sent again.
      await delivery?.ref.update({ status: 'pending', nextAttemptAt: Timestamp.fromMillis(T0) });
      const duplicates = back.duplicates;
      await run(at(5 * 24 * HOUR + 20 * MIN));
      expect((await delivery?.ref.get())?.get('status')).toBe('delivered');
      expect(back.duplicates).toBe(duplicates + 1);
      expect(back.received.filter((r) => r.id === delivery?.id)).toHaveLength(1);
    } finally {
      await back.close();
      process.env.ALERT_WEBHOOK_URL = receiver.url;
    }
  });
});

describe('admin API', () => {
  let admin: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(apiUrl(path), {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await readJson(res) };
  };

  beforeAll(async () => {
    admin = await tokenWithTier('alerts-admin@example.com', 'free', { admin: true });
  });

  it('lists alerts by status', async () => {
    const open = await call('GET', '/v1/admin/alerts?status=open&limit=100');
    expect(open.status).toBe(200);
    const ids = (open.body.alerts as { id: string; status: string }[]).map((a) => a.id);
    expect(ids).toContain(alertId('model-drift-validation', DOWNSTREAM));
    expect(ids).not.toContain(driftAlert);
    const all = await call('GET', '/v1/admin/alerts?status=all');
    expect((all.body.alerts as { id: string }[]).map((a) => a.id)).toContain(driftAlert);
    expect((await call('GET', '/v1/admin/alerts?status=gone')).status).toBe(400);
  });

  it('acknowledges, silences and unsilences; 404, 409 and 400 as the state machine says', async () => {
    const id = alertId('model-drift-validation', DOWNSTREAM);
    const ack = await call('POST', `/v1/admin/alerts/${id}:acknowledge`);
    expect(ack).toMatchObject({ status: 200, body: { changed: true, alert: { id, status: 'open' } } });
    expect(ack.body.alert.ackedAt).toEqual(expect.any(String));
    expect((await call('POST', `/v1/admin/alerts/${id}:acknowledge`)).body.changed).toBe(false);
    expect((await alertDoc(id))?.ackedBy).toEqual(expect.any(String));

    const silenced = await call('POST', `/v1/admin/alerts/${id}:silence`, { minutes: 60 });
    expect(silenced.status).toBe(200);
    expect(Date.parse(silenced.body.alert.silencedUntil as string)).toBeGreaterThan(Date.now() + 59 * MIN);
    const unsilenced = await call('POST', `/v1/admin/alerts/${id}:unsilence`);
    expect(unsilenced).toMatchObject({
      status: 200,
      body: { changed: true, alert: { silencedUntil: null } },
    });

    // A resolved alert cannot be acknowledged.
    expect(await call('POST', `/v1/admin/alerts/${driftAlert}:acknowledge`)).toMatchObject({
      status: 409,
      body: { error: { code: 'alert_not_open' } },
    });
    for (const verb of ['acknowledge', 'silence', 'unsilence'])
      expect((await call('POST', `/v1/admin/alerts/no-such-alert:${verb}`, { minutes: 5 })).status).toBe(404);
    expect((await call('POST', `/v1/admin/alerts/${id}:silence`, { minutes: 0 })).status).toBe(400);
    expect((await call('POST', `/v1/admin/alerts/${id}:silence`, {})).status).toBe(400);
    for (const verb of ['acknowledge', 'unsilence'])
      expect((await call('POST', `/v1/admin/alerts/__bad__:${verb}`)).status).toBe(400);
  });

  it('a document a console edit broke: 409 for actions, left out of the list, replaced when it fires', async () => {
    const broken = alertId('model-drift-validation', DRIFTING);
    await db().doc(`alerts/${broken}`).update({ severity: 'catastrophic' });
    for (const verb of ['acknowledge', 'silence', 'unsilence'])
      expect(await call('POST', `/v1/admin/alerts/${broken}:${verb}`, { minutes: 5 })).toMatchObject({
        status: 409,
        body: { error: { code: 'alert_unreadable' } },
      });
    const all = await call('GET', '/v1/admin/alerts?status=all&limit=200');
    expect((all.body.alerts as { id: string }[]).map((a) => a.id)).not.toContain(broken);

    await db().doc(`agg_model/${DRIFTING}@v1_2026`).set(season(DRIFTING, 0.235));
    await run(at(6 * 24 * HOUR));
    expect(await alertDoc(broken)).toMatchObject({
      status: 'open',
      severity: 'warning',
      incidents: 1,
      openedAt: T0 + 6 * 24 * HOUR,
    });
  });
});
