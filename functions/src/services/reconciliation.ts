/**
 * Recomputes the aggregates of recent days, and the model scorecards, from the raw documents and
 * repairs any drift (DESIGN.md: "A scheduled job recomputes aggregates from raw documents, repairs
 * drift, and reports how much it found"). The same contribution rules as the triggers are used
 * (domain/).
 *
 * Raw documents are read a page at a time (keyset paging, PAGE_SIZE documents) and folded into one
 * summary per bucket, so memory grows with the buckets, not with the documents; a bucket whose
 * folded sums disagree with its aggregate is then repaired by a transaction of its own, up to
 * CONCURRENCY at a time. A page read is not a snapshot of the collection: a bucket written while the
 * run reads may look right or wrong, but the transaction re-reads before it repairs, and one that
 * looked right was written within the settle window of the next run at worst, which checks it again.
 *
 * A bucket whose raw documents changed within the settle window is skipped: its trigger may still be
 * in flight, and repairing it now could count that write twice. Each repair is a transaction that
 * re-reads the bucket's raw documents and aggregate, so a trigger commit cannot slip in between.
 * A delete, or a move out of a user-day, leaves no raw document in the bucket to date it: if its
 * trigger is still in flight during the run the unit can be taken out twice; the next run repairs
 * that. Insight counts are skipped altogether while any insight changed within the window.
 *
 * agg_model (domain/model-reconciliation.ts): every stored prediction with the game it names; each
 * model version and season is one document, repaired in one transaction with the `graded` fields of
 * its predictions (what the games trigger subtracts on the next correction), so the two never
 * disagree. A document written within the settle window is skipped too (a regrade just ran).
 * The report lists the users and models whose aggregates were repaired and whether insight counts
 * were, so the caller can invalidate the cached responses built on them.
 */
import {
  FieldPath,
  FieldValue,
  Timestamp,
  type DocumentSnapshot,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
  type Transaction,
} from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { outcome } from '../domain/game-changes';
import { insightBucket } from '../domain/insights';
import { NO_MODEL_REPAIRS } from '../domain/ops-runs';
import {
  aggDrift,
  aggModelId,
  fieldDiff,
  MISSING_GAME,
  ModelAggPlanner,
  PREDICTION_FIELDS,
  predictionRow,
  settleGroup,
  type GameRow,
  type GroupWork,
} from '../domain/model-reconciliation';
import { metricContribution, sumContributions, type Contribution } from '../domain/user-metrics';
import { forEachLimit } from './concurrency';
import { gameFacts } from './game-events';

/** Documents per page read. */
export const PAGE_SIZE = 1_000;
/** Repair transactions running at once. */
export const CONCURRENCY = 8;

export interface ReconciliationReport {
  runId: string;
  from: string;
  userDaily: {
    checked: number;
    repaired: number;
    skippedRecent: number;
    countDrift: number;
    engagementDrift: number;
  };
  insights: { checked: number; repaired: number; skippedRecent: number; countDrift: number };
  /** agg_model: documents checked, repaired and skipped; |n| and |Brier sum| drift; predictions
   * read, and those whose `graded` was set right. */
  models: {
    checked: number;
    repaired: number;
    skippedRecent: number;
    nDrift: number;
    brierDrift: number;
    predictions: number;
    gradedRepaired: number;
  };
  /** Users whose daily aggregates were repaired (all of them; `repairs` lists the first 50). */
  repairedUsers: string[];
  /** Models whose agg_model documents were repaired. */
  repairedModels: string[];
  repairs: { path: string; was: Record<string, number>; now: Record<string, number> }[];
  finishedAt: string;
}

interface Opts {
  runId: string;
  now: Date;
  days: number;
  settleMs: number;
  /** Documents per page read (PAGE_SIZE). */
  pageSize?: number;
  /** Repair transactions at once (CONCURRENCY). */
  concurrency?: number;
}

/** Every page of `query` (which must be ordered), `size` documents at a time. */
async function* pages(query: Query, size: number): AsyncGenerator<QueryDocumentSnapshot[]> {
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    const snap = await (last ? query.startAfter(last) : query).limit(size).get();
    if (!snap.empty) yield snap.docs;
    if (snap.size < size) return;
    last = snap.docs[snap.docs.length - 1];
  }
}

export async function reconcile(db: Firestore, opts: Opts): Promise<ReconciliationReport> {
  const fromDate = new Date(
    Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate() - (opts.days - 1)),
  );
  const from = fromDate.toISOString().slice(0, 10);
  const report: ReconciliationReport = {
    runId: opts.runId,
    from,
    userDaily: { checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0, engagementDrift: 0 },
    insights: { checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0 },
    models: { ...NO_MODEL_REPAIRS },
    repairedUsers: [],
    repairedModels: [],
    repairs: [],
    finishedAt: '',
  };
  const run = { ...opts, pageSize: opts.pageSize ?? PAGE_SIZE, concurrency: opts.concurrency ?? CONCURRENCY };
  const repairedUsers = await reconcileUserDaily(db, run, fromDate, report);
  await reconcileInsights(db, run, report);
  const repairedModels = await reconcileModels(db, run, report);
  report.repairedUsers = [...repairedUsers];
  report.repairedModels = [...repairedModels];
  report.finishedAt = new Date().toISOString();
  await db.doc(`${Collections.ops}/reconciliation/runs/${opts.runId.replace(/[/.:]/g, '-')}`).set(report);
  return report;
}

type Run = Required<Opts>;

/**
 * agg_user_daily: every bucket with raw documents or an aggregate in the window, folded a page at a
 * time (per bucket, what its raw documents add up to and what its aggregate holds); the buckets that
 * disagree are re-read and repaired. Returns the users whose aggregates were repaired.
 */
async function reconcileUserDaily(
  db: Firestore,
  opts: Run,
  fromDate: Date,
  report: ReconciliationReport,
): Promise<Set<string>> {
  const { pageSize, concurrency } = opts;
  const expected = new Map<string, Contribution>();
  const recent = new Set<string>();
  const rawPages = db
    .collection(Collections.userMetrics)
    .where('timestamp', '>=', Timestamp.fromDate(fromDate))
    .orderBy('timestamp');
  for await (const docs of pages(rawPages, pageSize)) {
    for (const doc of docs) {
      const c = metricContribution(doc.data());
      if (!c) continue;
      if (opts.now.getTime() - doc.updateTime.toMillis() < opts.settleMs) recent.add(c.bucket);
      const cur = expected.get(c.bucket);
      if (cur) {
        cur.count += c.count;
        cur.engagementSum += c.engagementSum;
      } else expected.set(c.bucket, c);
    }
  }
  const stored = new Map<string, { count: number; engagementSum: number }>();
  const aggPages = db.collection(Collections.aggUserDaily).where('date', '>=', report.from).orderBy('date');
  for await (const docs of pages(aggPages, pageSize)) {
    for (const doc of docs)
      stored.set(doc.id, {
        count: Number(doc.get('count') ?? 0),
        engagementSum: Number(doc.get('engagementSum') ?? 0),
      });
  }
  const suspects: string[] = [];
  for (const bucket of new Set([...expected.keys(), ...stored.keys()])) {
    report.userDaily.checked += 1;
    if (recent.has(bucket)) {
      report.userDaily.skippedRecent += 1;
      continue;
    }
    const want = expected.get(bucket) ?? { count: 0, engagementSum: 0 };
    const have = stored.get(bucket) ?? { count: 0, engagementSum: 0 };
    if (want.count !== have.count || want.engagementSum !== have.engagementSum) suspects.push(bucket);
  }

  const repairedUsers = new Set<string>();
  await forEachLimit(suspects, concurrency, async (bucket) => {
    const repaired = await db.runTransaction(async (tx) => {
      const ref = db.collection(Collections.aggUserDaily).doc(bucket);
      const agg = await tx.get(ref);
      const userId = (agg.get('userId') as string | undefined) ?? expected.get(bucket)?.userId;
      const date = (agg.get('date') as string | undefined) ?? expected.get(bucket)?.date;
      if (!userId || !date) return null;
      const start = Timestamp.fromDate(new Date(`${date}T00:00:00Z`));
      const end = Timestamp.fromDate(new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000));
      const docs = await tx.get(
        db
          .collection(Collections.userMetrics)
          .where('userId', '==', userId)
          .where('timestamp', '>=', start)
          .where('timestamp', '<', end),
      );
      // The document id is the bucket: a document whose fields disagree with its id counts nothing.
      const truth = sumContributions(docs.docs.map((d) => d.data())).get(bucket) ?? {
        count: 0,
        engagementSum: 0,
      };
      const was = {
        count: Number(agg.get('count') ?? 0),
        engagementSum: Number(agg.get('engagementSum') ?? 0),
      };
      if (was.count === truth.count && was.engagementSum === truth.engagementSum) return null;
      const now = { count: truth.count, engagementSum: truth.engagementSum };
      tx.set(ref, { userId, date, ...now }, { merge: true });
      return { path: ref.path, userId, was, now };
    });
    if (repaired) {
      const { userId, ...repair } = repaired;
      repairedUsers.add(userId);
      report.userDaily.repaired += 1;
      report.userDaily.countDrift += Math.abs(repaired.was.count - repaired.now.count);
      report.userDaily.engagementDrift += Math.abs(repaired.was.engagementSum - repaired.now.engagementSum);
      if (report.repairs.length < 50) report.repairs.push(repair);
    }
  });
  return repairedUsers;
}

/** agg_insights: a handful of buckets over the whole (small) insights collection. */
async function reconcileInsights(db: Firestore, opts: Run, report: ReconciliationReport): Promise<void> {
  const insights = await db.collection(Collections.insights).get();
  // A recent status change moved a unit out of a bucket no raw document points at, so while any
  // insight changed within the settle window the counts are left for the next run.
  const truth = new Map<string, number>();
  let settling = false;
  for (const doc of insights.docs) {
    const b = insightBucket(doc.data());
    if (b) truth.set(b, (truth.get(b) ?? 0) + 1);
    if (opts.now.getTime() - doc.updateTime.toMillis() < opts.settleMs) settling = true;
  }
  const stored = await db.collection(Collections.aggInsights).get();
  for (const bucket of new Set([...truth.keys(), ...stored.docs.map((d) => d.id)])) {
    report.insights.checked += 1;
    if (settling) {
      report.insights.skippedRecent += 1;
      continue;
    }
    const was = Number(stored.docs.find((d) => d.id === bucket)?.get('count') ?? 0);
    const now = truth.get(bucket) ?? 0;
    if (was === now) continue;
    await db.collection(Collections.aggInsights).doc(bucket).set({ count: now }, { merge: true });
    report.insights.repaired += 1;
    report.insights.countDrift += Math.abs(was - now);
    if (report.repairs.length < 50)
      report.repairs.push({
        path: `${Collections.aggInsights}/${bucket}`,
        was: { count: was },
        now: { count: now },
      });
  }
}

function gameRow(snap: DocumentSnapshot): GameRow {
  if (!snap.exists) return MISSING_GAME;
  const facts = gameFacts(snap.data());
  return {
    season: facts?.season ?? null,
    outcome: facts ? outcome(facts) : null,
    updatedMs: snap.updateTime?.toMillis() ?? null,
  };
}

/**
 * agg_model against every stored prediction: fold the pages, then repair each disagreeing model
 * version and season in a transaction. Returns the models whose documents were repaired.
 */
async function reconcileModels(db: Firestore, opts: Run, report: ReconciliationReport): Promise<Set<string>> {
  const { pageSize, concurrency } = opts;
  const nowMs = opts.now.getTime();
  const planner = new ModelAggPlanner({ nowMs, settleMs: opts.settleMs });
  const byId = FieldPath.documentId();
  for await (const docs of pages(db.collection(Collections.aggModel).orderBy(byId), pageSize))
    for (const doc of docs) planner.addStored(doc.id, doc.data(), doc.updateTime.toMillis());
  // Prediction ids start with the game id, so a game's predictions are mostly on one page: its
  // games are read per page, keeping the previous page's.
  let games = new Map<string, GameRow>();
  const predictionPages = db
    .collection(Collections.predictions)
    .select(...PREDICTION_FIELDS)
    .orderBy(byId);
  for await (const docs of pages(predictionPages, pageSize)) {
    const rows = docs.map((d) => predictionRow(d.id, d.data(), d.updateTime.toMillis()));
    const ids = [...new Set(rows.flatMap((r) => (r ? [r.gameId] : [])))];
    const missing = ids.filter((id) => !games.has(id));
    const read =
      missing.length > 0
        ? await db.getAll(...missing.map((id) => db.collection(Collections.games).doc(id)))
        : [];
    const page = new Map<string, GameRow>(read.map((snap) => [snap.id, gameRow(snap)]));
    for (const id of ids) if (!page.has(id)) page.set(id, games.get(id) ?? MISSING_GAME);
    planner.addPredictions(rows, page);
    games = page;
  }
  const plan = planner.plan();
  report.models.predictions = planner.predictions;
  report.models.checked = plan.checked;
  report.models.skippedRecent = plan.skippedRecent;

  const repairedModels = new Set<string>();
  await forEachLimit(plan.work, concurrency, async (work) => {
    const result = await db.runTransaction((tx) => repairGroup(db, tx, work, nowMs, opts.settleMs));
    if (result.kind === 'recent') {
      if (work.season !== null) report.models.skippedRecent += 1;
      return;
    }
    report.models.gradedRepaired += result.fixes;
    if (!result.agg) return;
    repairedModels.add(work.modelId);
    const drift = aggDrift(result.agg);
    report.models.repaired += 1;
    report.models.nDrift += drift.n;
    report.models.brierDrift += drift.brier;
    if (report.repairs.length < 50)
      report.repairs.push({ path: result.path, ...fieldDiff(result.agg.was, result.agg.now) });
  });
  return repairedModels;
}

/** One model version and season (or its predictions without a game), re-read and repaired. */
async function repairGroup(
  db: Firestore,
  tx: Transaction,
  work: GroupWork,
  nowMs: number,
  settleMs: number,
): Promise<
  | { kind: 'recent' }
  | {
      kind: 'settled';
      path: string;
      agg: { was: Record<string, number>; now: Record<string, number> } | null;
      fixes: number;
    }
> {
  const aggRef =
    work.season === null
      ? null
      : db
          .collection(Collections.aggModel)
          .doc(work.aggId ?? aggModelId(work.modelId, work.version, work.season));
  const [agg, predictions] = await Promise.all([
    aggRef ? tx.get(aggRef) : null,
    work.gameIds
      ? tx.get(
          db
            .collection(Collections.predictions)
            .where('modelId', '==', work.modelId)
            .where('version', '==', work.version)
            .where('gameId', '>=', work.gameIds.first)
            .where('gameId', '<=', work.gameIds.last)
            .select(...PREDICTION_FIELDS),
        )
      : null,
  ]);
  const rows = (predictions?.docs ?? []).flatMap((d) => {
    const row = predictionRow(d.id, d.data(), d.updateTime.toMillis());
    return row ? [row] : [];
  });
  const gameIds = [...new Set(rows.map((r) => r.gameId))];
  const gameSnaps =
    gameIds.length > 0
      ? await tx.getAll(...gameIds.map((id) => db.collection(Collections.games).doc(id)))
      : [];
  const decision = settleGroup({
    group: work,
    stored: agg?.exists ? { data: agg.data(), updatedMs: agg.updateTime?.toMillis() ?? 0 } : null,
    predictions: rows,
    games: new Map(gameSnaps.map((s) => [s.id, gameRow(s)])),
    nowMs,
    settleMs,
  });
  if (decision.kind === 'recent') return decision;
  if (decision.agg && aggRef && work.season !== null) {
    // Exactly the truth: sums no prediction adds any more are set to 0.
    const zeros = Object.fromEntries(Object.keys(decision.agg.was).map((k) => [k, 0]));
    tx.set(
      aggRef,
      { modelId: work.modelId, version: work.version, season: work.season, ...zeros, ...decision.agg.now },
      { merge: true },
    );
  }
  for (const fix of decision.fixes)
    tx.update(db.collection(Collections.predictions).doc(fix.id), {
      graded: fix.graded ?? FieldValue.delete(),
    });
  return { kind: 'settled', path: aggRef?.path ?? '', agg: decision.agg, fixes: decision.fixes.length };
}
