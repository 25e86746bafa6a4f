/**
 * The alert evaluator's storage side: read the rules' inputs (bounded reads of documents that
 * already exist), judge them (domain/alert-rules.ts), move each judged `alerts/{alertId}` through its
 * state machine (domain/alert-state.ts) in a transaction that also creates that transition's
 * notifications, record the run, then deliver due webhook notifications.
 *
 * - One transaction per verdict: read the alert, `transition()`, write it, and create, for each
 *   notification, `mail/{notification.id}` (the Trigger Email extension's format; when ALERT_EMAILS
 *   is set) and `alert_deliveries/{notification.id}` (the webhook outbox; when ALERT_WEBHOOK_URL is
 *   set). Notification ids are derived from the alert, incident, kind and run, and the state machine
 *   writes nothing for a run id it has seen, so a repeated or retried run creates nothing twice. An
 *   alert with no verdict this run (its input could not be read, or was too thin to judge) is not
 *   touched.
 * - A stored alert that does not parse (a console edit broke it), or that names another rule or
 *   subject, is treated as absent: a firing verdict overwrites it with a fresh incident (announced,
 *   since nobody can be assumed to know of it), a healthy one leaves it as it is. Both are logged
 *   with the path.
 * - Webhook delivery is done by the evaluator's run itself, not by a trigger on the outbox: a new
 *   delivery is due at once and sent a moment after its transaction commits, and a failed one is
 *   retried by a later run (every 5 minutes) after an exponential backoff. One function, one place
 *   that holds the secret, and no trigger retry policy to reason about. A delivery is claimed in a
 *   transaction before the POST (attempts + 1, and `nextAttemptAt` moved past the POST's timeout: a
 *   lease), and marked `delivered` in another after a 2xx. So two runs never send it at the same
 *   time, and a run that dies mid-POST leaves it to be sent again when the lease ends: delivery is
 *   at least once, never lost, and a receiver that dedupes on the `Idempotency-Key` header (the
 *   delivery id, the same on every attempt) sees it once. Exactly once is not possible over HTTP
 *   without that: the POST and the `delivered` write cannot commit together.
 */
import { Timestamp, type Firestore, type Transaction } from 'firebase-admin/firestore';
import type { AlertConfig } from '../config';
import { billingOps } from '../data/billing';
import { Collections } from '../data/collections';
import { SPORTS } from '../data/games';
import { mailMessage, retryDelayMs, webhookPayload } from '../domain/alert-messages';
import {
  alertId,
  evaluateRules,
  SCHEDULED_JOB_PERIODS_MS,
  validationBrier,
  type AlertInputs,
  type AlertThresholds,
  type GameState,
  type JobState,
  type ModelDriftInput,
  type NoResultsInput,
  type ParkedEventsInput,
  type StaleGamesInput,
  type Verdict,
} from '../domain/alert-rules';
import {
  alertDocSchema,
  applyAdminAction,
  transition,
  type AlertAction,
  type AlertDoc,
  type AlertNotification,
} from '../domain/alert-state';
import { aggFields } from '../domain/model-reconciliation';
import type { ReconciliationRun } from '../domain/ops-runs';
import { logger } from '../observability/logger';
import { lastCompletions } from './ops-jobs';
import { reconciliationRuns } from './ops-reads';
import { recentMetrics } from './service-metrics';

const ALERTS = Collections.alerts;
const MAIL = Collections.mail;
const ALERT_DELIVERIES = Collections.alertDeliveries;

/** Bounds of the reads: models judged, seasons per model, overdue games per sport, runs. */
const MAX_MODELS = 50;
const MAX_SEASONS = 100;
export const MAX_STALE_GAMES = 200;
const RECENT_RUNS = 10;
/** Transactions in flight at once. */
const PARALLEL = 8;

const alertsRef = (db: Firestore) => db.collection(ALERTS);
export const alertRunsRef = (db: Firestore) =>
  db.collection(Collections.ops).doc('alerts').collection('runs');

// ---- inputs ----------------------------------------------------------------------------------------

/** Every model with an active version: its validation Brier and its agg_model seasons. */
export async function readModels(db: Firestore): Promise<ModelDriftInput[]> {
  const models = await db.collection(Collections.models).limit(MAX_MODELS).get();
  const out = await Promise.all(
    models.docs.map(async (m): Promise<ModelDriftInput | null> => {
      const version = m.get('activeVersion') as unknown;
      if (typeof version !== 'string' || version === '') return null;
      const [versionDoc, aggs] = await Promise.all([
        m.ref.collection('versions').doc(version).get(),
        db
          .collection(Collections.aggModel)
          .where('modelId', '==', m.id)
          .where('version', '==', version)
          .limit(MAX_SEASONS)
          .get(),
      ]);
      return {
        modelId: m.id,
        version,
        validationBrier: validationBrier(versionDoc.get('metrics')),
        seasons: aggs.docs.flatMap((d) => {
          const season = d.get('season') as unknown;
          return typeof season === 'number' ? [{ season, sums: aggFields(d.data()) }] : [];
        }),
      };
    }),
  );
  return out.filter((m): m is ModelDriftInput => m !== null);
}

/** Per sport, the oldest scheduled games past kickoff + staleGameAfterMs (at most MAX_STALE_GAMES). */
export async function readStaleGames(
  db: Firestore,
  nowMs: number,
  t: AlertThresholds,
  limit = MAX_STALE_GAMES,
): Promise<StaleGamesInput> {
  const cutoff = Timestamp.fromMillis(nowMs - t.staleGameAfterMs);
  let truncated = false;
  const games = await Promise.all(
    SPORTS.map(async (sport): Promise<GameState[]> => {
      const snap = await db
        .collection(Collections.games)
        .where('sport', '==', sport)
        .where('status', '==', 'scheduled')
        .where('kickoff', '<=', cutoff)
        .orderBy('kickoff', 'asc')
        .limit(limit)
        .get();
      if (snap.size >= limit) truncated = true;
      return snap.docs.flatMap((d) => {
        const kickoff = d.get('kickoff') as unknown;
        return kickoff instanceof Timestamp
          ? [{ gameId: d.id, sport, kickoffMs: kickoff.toMillis(), status: 'scheduled' }]
          : [];
      });
    }),
  );
  return { sports: [...SPORTS], games: games.flat(), truncated };
}

/** Per sport, one final whose kickoff is within noResultAfterMs (null: none, so the rule judges). */
export async function readRecentResults(
  db: Firestore,
  nowMs: number,
  t: AlertThresholds,
): Promise<NoResultsInput> {
  const since = Timestamp.fromMillis(nowMs - t.noResultAfterMs);
  const sports = await Promise.all(
    SPORTS.map(async (sport) => {
      const snap = await db
        .collection(Collections.games)
        .where('sport', '==', sport)
        .where('status', '==', 'final')
        .where('kickoff', '>=', since)
        .limit(1)
        .get();
      const kickoff = snap.docs[0]?.get('kickoff') as unknown;
      return { sport, latestFinalKickoffMs: kickoff instanceof Timestamp ? kickoff.toMillis() : null };
    }),
  );
  return { sports };
}

const RUN_JOB = { aggregates: 'reconcileAggregates', billing: 'reconcileBilling' } as const;

/** Each scheduled job's last completion: ops/jobs, or a reconciliation's run report, whichever is later. */
export function jobStates(recorded: Map<string, number>, runs: readonly ReconciliationRun[]): JobState[] {
  const last = new Map(recorded);
  for (const run of runs) {
    const at = run.at === null ? NaN : Date.parse(run.at);
    const job = RUN_JOB[run.kind];
    if (Number.isFinite(at) && at > (last.get(job) ?? -Infinity)) last.set(job, at);
  }
  return Object.entries(SCHEDULED_JOB_PERIODS_MS).map(([job, periodMs]) => ({
    job,
    periodMs,
    lastCompletedMs: last.get(job) ?? null,
  }));
}

/** Parked Stripe events: how many, and when the oldest was parked. */
export async function readParkedEvents(db: Firestore): Promise<ParkedEventsInput> {
  const parked = billingOps(db).collection('parked_events');
  const [count, oldest] = await Promise.all([
    parked.count().get(),
    parked.orderBy('parkedAt', 'asc').limit(1).get(),
  ]);
  const at = oldest.docs[0]?.get('parkedAt') as unknown;
  return { count: count.data().count, oldestParkedMs: at instanceof Timestamp ? at.toMillis() : null };
}

/**
 * Everything the rules read. A part that fails to read is left out (its rules give no verdict, so
 * its alerts stay as they are) and named in `unread`; the rest is still judged.
 */
export async function readAlertInputs(
  db: Firestore,
  nowMs: number,
  t: AlertThresholds,
): Promise<{ inputs: AlertInputs; unread: string[] }> {
  const unread: string[] = [];
  const part = async <T>(name: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      unread.push(name);
      logger.error('alert input unreadable', { part: name, err });
      return undefined;
    }
  };
  const [models, staleGames, results, runs, completions, parkedEvents, serving] = await Promise.all([
    part('models', () => readModels(db)),
    part('staleGames', () => readStaleGames(db, nowMs, t)),
    part('results', () => readRecentResults(db, nowMs, t)),
    part('reconciliation', () => reconciliationRuns(db, RECENT_RUNS)),
    part('jobs', () => lastCompletions(db)),
    part('parkedEvents', () => readParkedEvents(db)),
    part('serving', async () => ({ minutes: (await recentMetrics(db, nowMs)).minutes })),
  ]);
  return {
    inputs: {
      models,
      staleGames,
      results,
      jobs: completions && runs ? { jobs: jobStates(completions, runs) } : undefined,
      reconciliation: runs && { runs },
      parkedEvents,
      serving,
    },
    unread,
  };
}

// ---- one verdict -----------------------------------------------------------------------------------

/** The stored alert, or null when absent or unreadable (see the module comment). */
export function readStoredAlert(path: string, data: unknown, verdict: Verdict): AlertDoc | null {
  if (data === undefined) return null;
  const parsed = alertDocSchema.safeParse(data);
  if (!parsed.success) {
    logger.warn('alert document unreadable; treated as absent', {
      path,
      issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
    return null;
  }
  if (parsed.data.ruleId !== verdict.ruleId || parsed.data.subject !== verdict.subject) {
    logger.warn('alert document names another rule or subject; treated as absent', {
      path,
      stored: `${parsed.data.ruleId}/${parsed.data.subject}`,
    });
    return null;
  }
  return parsed.data;
}

export interface DeliveryDoc {
  channel: 'webhook';
  alertId: string;
  kind: AlertNotification['kind'];
  incident: number;
  runId: string;
  payload: ReturnType<typeof webhookPayload>;
  status: 'pending' | 'delivered';
  attempts: number;
  nextAttemptAt: Timestamp;
  createdAt: Timestamp;
  lastAttemptAt: Timestamp | null;
  lastError: string | null;
  deliveredAt: Timestamp | null;
}

function createNotifications(
  db: Firestore,
  tx: Transaction,
  notifications: AlertNotification[],
  config: Pick<AlertConfig, 'emails' | 'webhookUrl'>,
  nowMs: number,
): void {
  for (const n of notifications) {
    const about = { alertId: n.alertId, kind: n.kind, incident: n.incident, runId: n.runId };
    if (config.emails.length > 0)
      tx.create(db.collection(MAIL).doc(n.id), {
        to: config.emails,
        message: mailMessage(n),
        alert: about,
      });
    if (config.webhookUrl !== null) {
      const delivery: DeliveryDoc = {
        channel: 'webhook',
        ...about,
        payload: webhookPayload(n),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: Timestamp.fromMillis(nowMs),
        createdAt: Timestamp.fromMillis(nowMs),
        lastAttemptAt: null,
        lastError: null,
        deliveredAt: null,
      };
      tx.create(db.collection(ALERT_DELIVERIES).doc(n.id), delivery);
    }
  }
}

export interface VerdictOutcome {
  alertId: string;
  /** The document written; null: nothing changed. */
  doc: AlertDoc | null;
  notifications: AlertNotification[];
}

/** One verdict's transaction: the alert's next state and its notifications, together or not at all. */
export async function applyVerdict(
  db: Firestore,
  verdict: Verdict,
  run: { runId: string; nowMs: number; config: Pick<AlertConfig, 'policy' | 'emails' | 'webhookUrl'> },
): Promise<VerdictOutcome> {
  const id = alertId(verdict.ruleId, verdict.subject);
  const ref = alertsRef(db).doc(id);
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const stored = readStoredAlert(ref.path, snap.exists ? snap.data() : undefined, verdict);
    const next = transition({
      doc: stored,
      finding: verdict.finding,
      runId: run.runId,
      nowMs: run.nowMs,
      policy: run.config.policy,
    });
    if (!next.doc) return { alertId: id, doc: null, notifications: [] };
    tx.set(ref, next.doc);
    createNotifications(db, tx, next.notifications, run.config, run.nowMs);
    return { alertId: id, doc: next.doc, notifications: next.notifications };
  });
}

// ---- webhook delivery ------------------------------------------------------------------------------

export interface DeliveryReport {
  attempted: number;
  delivered: string[];
  failed: { id: string; error: string }[];
}

/** A POST's outcome: ok, or why not (a status or a network error). */
async function post(url: string, id: string, payload: unknown, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': id },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return `${(err as Error).name}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`;
  }
}

/**
 * Sends the due pending deliveries (oldest due first, at most `limit`), one at a time: claim
 * (transaction), POST with `Idempotency-Key: {id}`, then `delivered` or the failure and the next
 * attempt's time after an exponential backoff (retryDelayMs). Never gives up: a delivery stays
 * pending, and visible with its attempts and last error, until the receiver takes it.
 */
export async function deliverDue(
  db: Firestore,
  opts: { url: string; nowMs: number; timeoutMs: number; limit: number },
): Promise<DeliveryReport> {
  const now = Timestamp.fromMillis(opts.nowMs);
  const due = await db
    .collection(ALERT_DELIVERIES)
    .where('status', '==', 'pending')
    .where('nextAttemptAt', '<=', now)
    .orderBy('nextAttemptAt', 'asc')
    .limit(opts.limit)
    .get();
  const report: DeliveryReport = { attempted: 0, delivered: [], failed: [] };
  // The lease: long enough for the POST to time out and the result to be written.
  const leaseMs = opts.timeoutMs + 60_000;
  for (const d of due.docs) {
    const attempts = await db.runTransaction(async (tx) => {
      const snap = await tx.get(d.ref);
      const next = snap.get('nextAttemptAt') as unknown;
      if (snap.get('status') !== 'pending' || !(next instanceof Timestamp) || next.toMillis() > opts.nowMs)
        return null; // delivered meanwhile, or claimed by another run
      const attempts = ((snap.get('attempts') as number | undefined) ?? 0) + 1;
      tx.update(d.ref, {
        attempts,
        lastAttemptAt: now,
        nextAttemptAt: Timestamp.fromMillis(opts.nowMs + leaseMs),
      });
      return attempts;
    });
    if (attempts === null) continue;
    report.attempted += 1;
    const error = await post(opts.url, d.id, d.get('payload'), opts.timeoutMs);
    if (error === null) {
      await d.ref.update({ status: 'delivered', deliveredAt: Timestamp.now(), lastError: null });
      report.delivered.push(d.id);
    } else {
      await d.ref.update({
        lastError: error,
        nextAttemptAt: Timestamp.fromMillis(opts.nowMs + retryDelayMs(attempts)),
      });
      report.failed.push({ id: d.id, error });
      logger.warn('alert webhook delivery failed; will retry', {
        path: d.ref.path,
        attempts,
        error,
      });
    }
  }
  return report;
}

// ---- a run -----------------------------------------------------------------------------------------

export interface AlertRunReport {
  runId: string;
  at: string;
  /** Input parts that could not be read (their alerts were left as they were). */
  unread: string[];
  verdicts: number;
  /** Alerts whose rule fires now. */
  firing: string[];
  /** Alerts opened (a new incident) by this run. */
  opened: string[];
  /** Alerts resolved by this run. */
  resolved: string[];
  /** Notifications created: `{alertId} {kind}`, and their ids. */
  notified: { id: string; alertId: string; kind: string }[];
  /** Verdicts whose transaction failed (retried by the next run). */
  failed: { alertId: string; error: string }[];
  deliveries: DeliveryReport;
}

/**
 * One evaluator run: judge, transition every judged alert, record the run in
 * `ops/alerts/runs/{runId}` (created once: a repeated run id leaves the first record), then send
 * due webhook deliveries. Throws when any verdict's transaction failed, after doing the rest.
 */
export async function runAlertEvaluation(
  db: Firestore,
  opts: { runId: string; nowMs: number; config: AlertConfig },
): Promise<AlertRunReport> {
  const { runId, nowMs, config } = opts;
  const { inputs, unread } = await readAlertInputs(db, nowMs, config.thresholds);
  const verdicts = evaluateRules(inputs, nowMs, config.thresholds);
  const report: AlertRunReport = {
    runId,
    at: new Date(nowMs).toISOString(),
    unread,
    verdicts: verdicts.length,
    firing: verdicts.filter((v) => v.finding).map((v) => alertId(v.ruleId, v.subject)),
    opened: [],
    resolved: [],
    notified: [],
    failed: [],
    deliveries: { attempted: 0, delivered: [], failed: [] },
  };
  for (let i = 0; i < verdicts.length; i += PARALLEL) {
    const outcomes = await Promise.allSettled(
      verdicts.slice(i, i + PARALLEL).map((v) => applyVerdict(db, v, { runId, nowMs, config })),
    );
    outcomes.forEach((o, j) => {
      const v = verdicts[i + j] as Verdict;
      const id = alertId(v.ruleId, v.subject);
      if (o.status === 'rejected') {
        report.failed.push({ alertId: id, error: String((o.reason as Error)?.message ?? o.reason) });
        logger.error('alert transition failed', { path: `${ALERTS}/${id}`, runId, err: o.reason });
        return;
      }
      const doc = o.value.doc;
      if (doc?.status === 'open' && doc.openedAt === nowMs && doc.lastRunId === runId) report.opened.push(id);
      if (doc?.status === 'resolved' && doc.resolvedAt === nowMs) report.resolved.push(id);
      for (const n of o.value.notifications) report.notified.push({ id: n.id, alertId: id, kind: n.kind });
    });
  }
  if (config.webhookUrl !== null) {
    report.deliveries = await deliverDue(db, {
      url: config.webhookUrl,
      nowMs,
      timeoutMs: config.webhookTimeoutMs,
      limit: config.deliveriesPerRun,
    });
  }
  try {
    await alertRunsRef(db)
      .doc(runId)
      .create({ ...report, finishedAt: Timestamp.now() });
  } catch (err) {
    // ALREADY_EXISTS: this run id ran before; its first record stays.
    if ((err as { code?: number }).code !== 6) throw err;
    logger.info('alert run already recorded', { runId, path: alertRunsRef(db).doc(runId).path });
  }
  if (report.failed.length > 0)
    throw new Error(`${report.failed.length} alert transitions failed (${report.failed[0]?.error})`);
  return report;
}

// ---- admin reads and actions -----------------------------------------------------------------------

export type AlertStatusFilter = 'open' | 'resolved' | 'all';

/** An alert as the admin API shows it (times as ISO 8601). */
export interface AlertView {
  id: string;
  ruleId: string;
  subject: string;
  status: AlertDoc['status'];
  severity: AlertDoc['severity'];
  summary: string;
  details: AlertDoc['details'];
  incidents: number;
  firstOpenedAt: string;
  openedAt: string;
  resolvedAt: string | null;
  escalatedAt: string | null;
  lastSeenAt: string;
  lastNotifiedAt: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
  silencedUntil: string | null;
  silencedBy: string | null;
}

const isoOf = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toAlertView(id: string, doc: AlertDoc): AlertView {
  return {
    id,
    ruleId: doc.ruleId,
    subject: doc.subject,
    status: doc.status,
    severity: doc.severity,
    summary: doc.summary,
    details: doc.details,
    incidents: doc.incidents,
    firstOpenedAt: new Date(doc.firstOpenedAt).toISOString(),
    openedAt: new Date(doc.openedAt).toISOString(),
    resolvedAt: isoOf(doc.resolvedAt),
    escalatedAt: isoOf(doc.escalatedAt),
    lastSeenAt: new Date(doc.lastSeenAt).toISOString(),
    lastNotifiedAt: isoOf(doc.lastNotifiedAt),
    ackedBy: doc.ackedBy,
    ackedAt: isoOf(doc.ackedAt),
    silencedUntil: isoOf(doc.silencedUntil),
    silencedBy: doc.silencedBy,
  };
}

/** Alerts, the newest incidents first; a document that does not parse is left out (and logged). */
export async function listAlerts(
  db: Firestore,
  opts: { status: AlertStatusFilter; limit: number },
): Promise<AlertView[]> {
  const base = opts.status === 'all' ? alertsRef(db) : alertsRef(db).where('status', '==', opts.status);
  const snap = await base.orderBy('openedAt', 'desc').limit(opts.limit).get();
  return snap.docs.flatMap((d) => {
    const parsed = alertDocSchema.safeParse(d.data());
    if (parsed.success) return [toAlertView(d.id, parsed.data)];
    logger.warn('alert document unreadable; left out of the list', { path: d.ref.path });
    return [];
  });
}

export type AdminActionOutcome =
  | { ok: true; alert: AlertView; changed: boolean }
  | { ok: false; status: 400 | 404 | 409; code: string; message: string };

/** An admin's acknowledge / silence / unsilence, in a transaction with the read (applyAdminAction). */
export async function actOnAlert(
  db: Firestore,
  id: string,
  action: AlertAction,
  nowMs: number,
): Promise<AdminActionOutcome> {
  const ref = alertsRef(db).doc(id);
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    let doc: AlertDoc | null = null;
    if (snap.exists) {
      const parsed = alertDocSchema.safeParse(snap.data());
      if (!parsed.success)
        return {
          ok: false,
          status: 409,
          code: 'alert_unreadable',
          message: 'The alert document does not parse (edited by hand?); the next firing run replaces it.',
        };
      doc = parsed.data;
    }
    const result = applyAdminAction(doc, action, nowMs);
    if (!result.ok) return result;
    if (result.changed) tx.set(ref, result.doc);
    return { ok: true, alert: toAlertView(id, result.doc), changed: result.changed };
  });
}
