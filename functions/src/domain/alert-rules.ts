/**
 * Business alert rules: pure judgements over documents that already exist (aggregates, run reports,
 * per-minute counters), never over raw scans. The scheduled evaluator reads the inputs, calls the
 * rules, and feeds each verdict to the state machine of `alerts/{alertId(ruleId, subject)}`
 * (domain/alert-state.ts).
 *
 * A rule returns verdicts, one per subject it could judge: a finding (firing) or null (healthy, so
 * an open alert resolves). A subject it could not judge (no data, below the minimum sample) gets no
 * verdict, and its alert is left as it is: thin evidence neither opens nor resolves anything.
 *
 * Model drift cannot see "the last N graded games" exactly: `agg_model` holds sums per model version
 * and season, not per game. The window is therefore whole seasons, newest first, until it covers at
 * least `driftWindowGames` graded games (early in a season it reaches into the previous one). The
 * Elo comparison uses only the seasons of that window where every graded game carries Elo's number
 * (`elo_n == n`), so both Brier scores are over the same games. Defaults, measured on 2015-2017
 * (walk-forward validation model, 801 games): a game's squared error has sd 0.155, so a Brier over
 * 100 games has a standard error of 0.0155; over every run of 100+ consecutive games the healthy
 * model was at most 0.024 above its validation Brier (0.219), and at most 0.0063 above Elo
 * (FiveThirtyEight's, as a stand-in for ours; the per-game difference has sd 0.038). The warnings sit
 * just above those (0.03, 0.01), with 100 games as the minimum. The subject is the model id, not the
 * version: the alert follows whichever version is active, and a version just activated (below the
 * minimum) leaves the alert as it was until it has been judged.
 */
import type { MinuteCounters } from './service-counters';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { add, ELO_PREFIX, type GradeFields } from './grading';
import type { ReconciliationRun } from './ops-runs';

export type AlertSeverity = 'warning' | 'critical';
export type AlertDetails = Record<string, number | string | null>;

export const ALERT_RULE_IDS = [
  'model-drift-validation',
  'model-drift-elo',
  'stale-games',
  'no-results',
  'job-overdue',
  'reconciliation-drift',
  'stripe-parked-events',
  'cache-hit-rate',
  'api-5xx-rate',
] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

export interface AlertFinding {
  ruleId: AlertRuleId;
  /** What it is about: a model id, a sport, a job name, `api`, `stripe`. */
  subject: string;
  severity: AlertSeverity;
  /** One line for a human, with the numbers. */
  summary: string;
  details: AlertDetails;
}

/** A rule's judgement of one subject; `finding: null` means healthy. */
export interface Verdict {
  ruleId: AlertRuleId;
  subject: string;
  finding: AlertFinding | null;
}

export interface AlertThresholds {
  /** Model drift: the window covers at least this many graded games (whole seasons). 128. */
  driftWindowGames: number;
  /** Model drift: no verdict below this many graded games in the window. 100. */
  driftMinGames: number;
  /** Brier above the version's validation Brier by this much or more: warning (0.03) / critical (0.05). */
  driftVsValidationWarning: number;
  driftVsValidationCritical: number;
  /** Brier above Elo's on the same games by this much or more: warning (0.01) / critical (0.02). */
  driftVsEloWarning: number;
  driftVsEloCritical: number;
  /** A game not final this long after kickoff is stale (a game lasts ~3.5 h). 6 h. */
  staleGameAfterMs: number;
  /** In season, no final whose kickoff is this recent: warning. 10 days (NFL plays weekly). */
  noResultAfterMs: number;
  /** A job is overdue when its last completion is older than its period plus this. 30 min. */
  jobGraceMs: number;
  /** Overdue by this many periods (plus the grace): critical. 3. */
  jobCriticalMissedRuns: number;
  /** Aggregates repaired by the latest reconciliation run: warning from 5, critical from 50. */
  reconciliationRepairsWarning: number;
  reconciliationRepairsCritical: number;
  /** The serving rules look at the per-minute counters of this window. 1 h. */
  servingWindowMs: number;
  /** 5xx share judged from this many requests in the window. 200. */
  servingMinRequests: number;
  /** Share of 5xx answers: warning from 1%, critical from 5%. */
  errorRateWarning: number;
  errorRateCritical: number;
  /** L1+L2 hit rate judged from this many answers with a cache level in the window. 200. */
  cacheMinLookups: number;
  /** (L1 + L2) / answers with a cache level: warning below 50%, critical below 20%. */
  cacheHitRateWarning: number;
  cacheHitRateCritical: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  driftWindowGames: 128,
  driftMinGames: 100,
  driftVsValidationWarning: 0.03,
  driftVsValidationCritical: 0.05,
  driftVsEloWarning: 0.01,
  driftVsEloCritical: 0.02,
  staleGameAfterMs: 6 * HOUR,
  noResultAfterMs: 10 * DAY,
  jobGraceMs: 30 * 60_000,
  jobCriticalMissedRuns: 3,
  reconciliationRepairsWarning: 5,
  reconciliationRepairsCritical: 50,
  servingWindowMs: HOUR,
  servingMinRequests: 200,
  errorRateWarning: 0.01,
  errorRateCritical: 0.05,
  cacheMinLookups: 200,
  cacheHitRateWarning: 0.5,
  cacheHitRateCritical: 0.2,
};

// ---- alert ids -------------------------------------------------------------------------------------

export const MAX_ALERT_ID_LENGTH = 120;
const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;
const SAFE_TEXT = /^[A-Za-z0-9@._:-]+$/;

function hashedId(text: string, key: string, max: number): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${text.replace(/[^A-Za-z0-9@._:-]+/g, '-').slice(0, max - 13)}~${hash}`;
}

/**
 * A Firestore document id for `text`: `text` itself when it is made of safe characters, short enough
 * and not reserved (`.`, `..`, `__…__`); else its safe characters, cut, then `~` and 12 hex digits of
 * the sha256 of `key`. `~` is not a safe character, so a hashed id never equals an unchanged one.
 */
export function safeDocId(text: string, key: string = text, max = MAX_ALERT_ID_LENGTH): string {
  const reserved = /^__.*__$/.test(text) || /^\.+$/.test(text);
  return SAFE_TEXT.test(text) && text.length <= max && !reserved ? text : hashedId(text, key, max);
}

/**
 * The id of `alerts/{ruleId}_{subject}`: deterministic, no `/`, at most 120 characters, and distinct
 * pairs get distinct ids (a changed or cut id carries a hash of both parts). Rule ids have no `_`, so
 * `{ruleId}_{subject}` splits one way; a rule id that does not read so is always hashed.
 */
export function alertId(ruleId: string, subject: string): string {
  const text = `${ruleId}_${subject}`;
  const key = JSON.stringify([ruleId, subject]);
  return RULE_ID.test(ruleId) ? safeDocId(text, key) : hashedId(text, key, MAX_ALERT_ID_LENGTH);
}

// ---- formatting ------------------------------------------------------------------------------------

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const iso = (ms: number): string => new Date(ms).toISOString();

export function formatDuration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`;
}

function bySeverity(
  value: number,
  warning: number,
  critical: number,
  direction: 'above' | 'below',
): AlertSeverity | null {
  const past = (limit: number) => (direction === 'above' ? value >= limit : value <= limit);
  return past(critical) ? 'critical' : past(warning) ? 'warning' : null;
}

// ---- model drift -----------------------------------------------------------------------------------

/** One `agg_model/{modelId}@{version}_{season}` document: its season and its sums (aggFields). */
export interface AggModelSeason {
  season: number;
  sums: GradeFields;
}

export interface ModelDriftInput {
  modelId: string;
  /** The active version (`models/{modelId}.activeVersion`). */
  version: string;
  /** From the version document's `metrics` (validationBrier()); null: that check is skipped. */
  validationBrier: number | null;
  /** The active version's agg_model documents, any order. */
  seasons: AggModelSeason[];
}

const brierValue = z.number().min(0).max(1);
const validationMetrics = z.union([
  // scripts/model/train.ts (models/nfl/metrics.json): per season, the whole validation span last.
  z
    .object({
      validation: z.object({ seasons: z.array(z.object({ ours: z.object({ brier: brierValue }) })).min(1) }),
    })
    .transform((m) => (m.validation.seasons.at(-1) as { ours: { brier: number } }).ours.brier),
  z.object({ validation: z.object({ brier: brierValue }) }).transform((m) => m.validation.brier),
  z.object({ brier: brierValue }).transform((m) => m.brier),
]);

/** The validation Brier in a version's `metrics` (as uploaded with it), or null when it has none. */
export function validationBrier(metrics: unknown): number | null {
  const parsed = validationMetrics.safeParse(metrics);
  return parsed.success ? parsed.data : null;
}

/** The newest seasons with graded games until they cover `windowGames` (all of them if fewer). */
export function driftWindow(seasons: readonly AggModelSeason[], windowGames: number): AggModelSeason[] {
  const out: AggModelSeason[] = [];
  let n = 0;
  for (const s of [...seasons].sort((a, b) => b.season - a.season)) {
    if (n >= windowGames) break;
    const games = s.sums.n ?? 0;
    if (games <= 0) continue;
    out.push(s);
    n += games;
  }
  return out;
}

const seasonSpan = (seasons: readonly AggModelSeason[]): string => {
  const years = seasons.map((s) => s.season);
  const [lo, hi] = [Math.min(...years), Math.max(...years)];
  return lo === hi ? String(lo) : `${lo}-${hi}`;
};

/** Two verdicts for the model (subject: the model id; an alert follows whichever version is active). */
export function modelDrift(input: ModelDriftInput, t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS): Verdict[] {
  const subject = input.modelId;
  const label = `${input.modelId}@${input.version}`;
  const window = driftWindow(input.seasons, t.driftWindowGames);
  const verdicts: Verdict[] = [];
  const sums = window.reduce<GradeFields>((acc, s) => add(acc, s.sums), {});
  const n = sums.n ?? 0;
  if (input.validationBrier !== null && n >= t.driftMinGames) {
    const brier = (sums.brierSum ?? 0) / n;
    const delta = brier - input.validationBrier;
    const severity = bySeverity(delta, t.driftVsValidationWarning, t.driftVsValidationCritical, 'above');
    verdicts.push({
      ruleId: 'model-drift-validation',
      subject,
      finding: severity && {
        ruleId: 'model-drift-validation',
        subject,
        severity,
        summary:
          `${label}: Brier ${brier.toFixed(4)} over its last ${n} graded games (seasons ${seasonSpan(window)}), ` +
          `${delta.toFixed(4)} worse than its validation Brier ${input.validationBrier.toFixed(4)} (threshold ${t.driftVsValidationWarning})`,
        details: {
          version: input.version,
          seasons: seasonSpan(window),
          n,
          brier: round(brier, 6),
          validationBrier: round(input.validationBrier, 6),
          delta: round(delta, 6),
        },
      },
    });
  }
  const same = window.filter((s) => (s.sums[`${ELO_PREFIX}n`] ?? 0) === (s.sums.n ?? 0));
  const eloSums = same.reduce<GradeFields>((acc, s) => add(acc, s.sums), {});
  const eloN = eloSums.n ?? 0;
  if (eloN >= t.driftMinGames) {
    const brier = (eloSums.brierSum ?? 0) / eloN;
    const elo = (eloSums[`${ELO_PREFIX}brierSum`] ?? 0) / eloN;
    const delta = brier - elo;
    const severity = bySeverity(delta, t.driftVsEloWarning, t.driftVsEloCritical, 'above');
    verdicts.push({
      ruleId: 'model-drift-elo',
      subject,
      finding: severity && {
        ruleId: 'model-drift-elo',
        subject,
        severity,
        summary:
          `${label}: Brier ${brier.toFixed(4)} vs Elo alone ${elo.toFixed(4)} on the same ${eloN} graded games ` +
          `(seasons ${seasonSpan(same)}): ${delta.toFixed(4)} worse (threshold ${t.driftVsEloWarning})`,
        details: {
          version: input.version,
          seasons: seasonSpan(same),
          n: eloN,
          brier: round(brier, 6),
          eloBrier: round(elo, 6),
          delta: round(delta, 6),
        },
      },
    });
  }
  return verdicts;
}

// ---- stale data ------------------------------------------------------------------------------------

/** A game as the stale-data rule reads it. */
export interface GameState {
  gameId: string;
  sport: string;
  kickoffMs: number;
  status: string;
}

export interface StaleGamesInput {
  /** Every sport to judge (a sport with no overdue game is healthy). */
  sports: string[];
  /** Games not final whose kickoff is at least `staleGameAfterMs` ago (others are ignored). */
  games: GameState[];
  /** True when the read was capped: the counts are lower bounds. */
  truncated?: boolean;
}

/**
 * One verdict per sport: games past kickoff + `staleGameAfterMs` and not final. One alert per sport,
 * not per game, so a backlog (an old schedule never filled in) is one alert rather than hundreds; it
 * resolves when the last of them is final.
 */
export function staleGames(
  input: StaleGamesInput,
  nowMs: number,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): Verdict[] {
  const sports = [...new Set([...input.sports, ...input.games.map((g) => g.sport)])].sort();
  return sports.map((sport) => {
    const overdue = input.games
      .filter((g) => g.sport === sport && g.status !== 'final' && nowMs - g.kickoffMs >= t.staleGameAfterMs)
      .sort((a, b) => a.kickoffMs - b.kickoffMs || (a.gameId < b.gameId ? -1 : 1));
    const oldest = overdue[0];
    if (!oldest) return { ruleId: 'stale-games', subject: sport, finding: null };
    const count = `${input.truncated ? 'at least ' : ''}${overdue.length}`;
    return {
      ruleId: 'stale-games',
      subject: sport,
      finding: {
        ruleId: 'stale-games',
        subject: sport,
        severity: 'warning',
        summary:
          `${sport}: ${count} game${overdue.length === 1 ? '' : 's'} kicked off more than ` +
          `${formatDuration(t.staleGameAfterMs)} ago and ${overdue.length === 1 ? 'is' : 'are'} still not final ` +
          `(oldest ${oldest.gameId}, ${formatDuration(nowMs - oldest.kickoffMs)} since kickoff)`,
        details: {
          count: overdue.length,
          truncated: input.truncated ? 'yes' : 'no',
          oldestGameId: oldest.gameId,
          oldestKickoff: iso(oldest.kickoffMs),
          hoursSinceKickoff: round((nowMs - oldest.kickoffMs) / HOUR, 1),
          gameIds: overdue
            .slice(0, 10)
            .map((g) => g.gameId)
            .join(','),
        },
      },
    };
  });
}

/** A sport's regular season and playoffs as UTC month-day bounds (the window may wrap the year). */
export interface SeasonWindow {
  from: string;
  to: string;
}

/**
 * When a sport must produce results at least every `noResultAfterMs`. NFL: from the week after the
 * opener (Sept 4-10 in recent years) to a week after the earliest conference championships (Jan
 * 18), leaving out the gap before the Super Bowl.
 */
export const SEASON_WINDOWS: Readonly<Record<string, SeasonWindow>> = { nfl: { from: '09-15', to: '01-25' } };

export function inSeason(window: SeasonWindow, nowMs: number): boolean {
  const today = iso(nowMs).slice(5, 10);
  return window.from <= window.to
    ? today >= window.from && today <= window.to
    : today >= window.from || today <= window.to;
}

export interface NoResultsInput {
  sports: {
    sport: string;
    /** Kickoff of the sport's latest final game; null: none (or none in what the evaluator read). */
    latestFinalKickoffMs: number | null;
  }[];
}

/** One verdict per sport: in season and no final for `noResultAfterMs`; out of season, healthy. */
export function noResults(
  input: NoResultsInput,
  nowMs: number,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
  seasons: Readonly<Record<string, SeasonWindow>> = SEASON_WINDOWS,
): Verdict[] {
  return input.sports.map(({ sport, latestFinalKickoffMs: last }) => {
    const window = seasons[sport];
    const quiet = last === null ? Infinity : nowMs - last;
    if (!window || !inSeason(window, nowMs) || quiet < t.noResultAfterMs)
      return { ruleId: 'no-results', subject: sport, finding: null };
    return {
      ruleId: 'no-results',
      subject: sport,
      finding: {
        ruleId: 'no-results',
        subject: sport,
        severity: 'warning',
        summary:
          last === null
            ? `${sport}: in season and no final result in the last ${formatDuration(t.noResultAfterMs)}`
            : `${sport}: in season and the latest final result kicked off ${formatDuration(quiet)} ago ` +
              `(threshold ${formatDuration(t.noResultAfterMs)})`,
        details: {
          latestFinalKickoff: last === null ? null : iso(last),
          daysSinceLatestFinal: last === null ? null : round(quiet / DAY, 1),
        },
      },
    };
  });
}

// ---- failing jobs ----------------------------------------------------------------------------------

/** The scheduled jobs and their periods: keep equal to the schedules in scheduled/*.ts. */
export const SCHEDULED_JOB_PERIODS_MS: Readonly<Record<string, number>> = {
  warmPredictionCache: 15 * 60_000,
  reconcileAggregates: DAY,
  reconcileBilling: DAY,
  ledgerCleanup: DAY,
};

export interface JobState {
  job: string;
  periodMs: number;
  /** When it last completed; null: no completion recorded. */
  lastCompletedMs: number | null;
}

/** One verdict per job: overdue past its period + grace (critical after several missed periods). */
export function jobsOverdue(
  input: { jobs: JobState[] },
  nowMs: number,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): Verdict[] {
  return input.jobs.map(({ job, periodMs, lastCompletedMs: last }) => {
    const since = last === null ? Infinity : nowMs - last;
    const critical = t.jobCriticalMissedRuns * periodMs + t.jobGraceMs;
    // No completion recorded (a new deployment, or a job that never records one): a warning.
    const severity =
      last === null ? 'warning' : bySeverity(since, periodMs + t.jobGraceMs, critical, 'above');
    return {
      ruleId: 'job-overdue',
      subject: job,
      finding: severity && {
        ruleId: 'job-overdue',
        subject: job,
        severity,
        summary:
          last === null
            ? `${job}: no completed run recorded (runs every ${formatDuration(periodMs)})`
            : `${job}: last completed ${formatDuration(since)} ago, runs every ${formatDuration(periodMs)} ` +
              `(grace ${formatDuration(t.jobGraceMs)})`,
        details: {
          periodMinutes: round(periodMs / 60_000, 1),
          lastCompleted: last === null ? null : iso(last),
          minutesSinceLastCompleted: last === null ? null : round(since / 60_000, 1),
        },
      },
    };
  });
}

const RUN_JOBS = { aggregates: 'reconcileAggregates', billing: 'reconcileBilling' } as const;

/**
 * One verdict per reconciliation kind, from its latest run (ops-runs toRun of the newest run
 * document): aggregates or customers repaired from `reconciliationRepairsWarning` on, or (billing)
 * any customer whose re-sync failed. Subject: the job name.
 */
export function reconciliationDrift(
  input: { runs: ReconciliationRun[] },
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): Verdict[] {
  const latest = new Map<ReconciliationRun['kind'], ReconciliationRun>();
  for (const run of input.runs) {
    const seen = latest.get(run.kind);
    if (!seen || (run.at ?? '') > (seen.at ?? '')) latest.set(run.kind, run);
  }
  return [...latest.values()].map((run) => {
    const job = RUN_JOBS[run.kind];
    const drift = bySeverity(
      run.repaired,
      t.reconciliationRepairsWarning,
      t.reconciliationRepairsCritical,
      'above',
    );
    const severity = drift ?? (run.failed > 0 ? 'warning' : null);
    const details: AlertDetails = {
      runId: run.runId,
      at: run.at,
      checked: run.checked,
      repaired: run.repaired,
    };
    if (run.kind === 'aggregates') {
      details.countDrift = run.userDaily.countDrift + run.insights.countDrift + run.models.nDrift;
      details.brierDrift = run.models.brierDrift;
    } else details.failed = run.failed;
    return {
      ruleId: 'reconciliation-drift',
      subject: job,
      finding: severity && {
        ruleId: 'reconciliation-drift',
        subject: job,
        severity,
        summary: `${job} run ${run.runId}: ${run.summary} (threshold ${t.reconciliationRepairsWarning} repaired)`,
        details,
      },
    };
  });
}

export interface ParkedEventsInput {
  /** Documents in ops/billing/parked_events. */
  count: number;
  /** The oldest one's parkedAt; null when none or unknown. */
  oldestParkedMs: number | null;
}

/** Stripe events parked for an admin (no user for their customer): any at all is a warning. */
export function parkedStripeEvents(input: ParkedEventsInput, nowMs: number): Verdict[] {
  const since = input.oldestParkedMs === null ? null : nowMs - input.oldestParkedMs;
  return [
    {
      ruleId: 'stripe-parked-events',
      subject: 'stripe',
      finding:
        input.count > 0
          ? {
              ruleId: 'stripe-parked-events',
              subject: 'stripe',
              severity: 'warning',
              summary:
                `${input.count} Stripe event${input.count === 1 ? '' : 's'} parked for an admin (no user for the customer)` +
                (since === null ? '' : `, the oldest ${formatDuration(since)} ago`),
              details: {
                count: input.count,
                oldestParkedAt: input.oldestParkedMs === null ? null : iso(input.oldestParkedMs),
              },
            }
          : null,
    },
  ];
}

// ---- cache and serving -----------------------------------------------------------------------------

/**
 * What the API counts per minute (all instances summed, or one instance's: rows of the same minute
 * are summed). The same shape as domain/service-counters.ts keeps; structural, so either passes.
 */
/** The API's per-minute counters, as the instances write them (domain/service-counters.ts). */
export type { MinuteCounters } from './service-counters';

/** Sums of the counters whose minute started in [nowMs - windowMs, nowMs). */
export function sumWindow(
  minutes: readonly MinuteCounters[],
  nowMs: number,
  windowMs: number,
): Omit<MinuteCounters, 'minute'> & { minutes: number } {
  const sum = { requests: 0, errors5xx: 0, cache: { l1: 0, l2: 0, l3: 0, miss: 0 } };
  const rest = { inferences: 0, inferenceMs: 0, rateLimited: 0 };
  const seen = new Set<number>();
  for (const m of minutes) {
    const start = Date.parse(m.minute);
    if (!(start >= nowMs - windowMs && start < nowMs)) continue;
    seen.add(start);
    sum.requests += m.requests;
    sum.errors5xx += m.errors5xx;
    sum.cache.l1 += m.cache.l1;
    sum.cache.l2 += m.cache.l2;
    sum.cache.l3 += m.cache.l3;
    sum.cache.miss += m.cache.miss;
    rest.inferences += m.inferences;
    rest.inferenceMs += m.inferenceMs;
    rest.rateLimited += m.rateLimited;
  }
  return { ...sum, ...rest, minutes: seen.size };
}

/** Share of 5xx answers and L1+L2 hit rate over the window (subject `api`); none below the minimums. */
export function serving(
  input: { minutes: MinuteCounters[] },
  nowMs: number,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): Verdict[] {
  const s = sumWindow(input.minutes, nowMs, t.servingWindowMs);
  const window = formatDuration(t.servingWindowMs);
  const lookups = s.cache.l1 + s.cache.l2 + s.cache.l3 + s.cache.miss;
  const details: AlertDetails = {
    minutes: s.minutes,
    requests: s.requests,
    errors5xx: s.errors5xx,
    l1: s.cache.l1,
    l2: s.cache.l2,
    l3: s.cache.l3,
    miss: s.cache.miss,
    inferences: s.inferences,
    meanInferenceMs: s.inferences > 0 ? round(s.inferenceMs / s.inferences, 2) : null,
    rateLimited: s.rateLimited,
  };
  const verdicts: Verdict[] = [];
  if (s.requests >= t.servingMinRequests) {
    const rate = s.errors5xx / s.requests;
    const severity = bySeverity(rate, t.errorRateWarning, t.errorRateCritical, 'above');
    verdicts.push({
      ruleId: 'api-5xx-rate',
      subject: 'api',
      finding: severity && {
        ruleId: 'api-5xx-rate',
        subject: 'api',
        severity,
        summary: `api: ${pct(rate)} of ${s.requests} answers were 5xx in the last ${window} (threshold ${pct(t.errorRateWarning)})`,
        details: { ...details, errorRate: round(rate, 4) },
      },
    });
  }
  if (lookups >= t.cacheMinLookups) {
    const rate = (s.cache.l1 + s.cache.l2) / lookups;
    const severity = bySeverity(rate, t.cacheHitRateWarning, t.cacheHitRateCritical, 'below');
    verdicts.push({
      ruleId: 'cache-hit-rate',
      subject: 'api',
      finding: severity && {
        ruleId: 'cache-hit-rate',
        subject: 'api',
        severity,
        summary:
          `api: L1+L2 hit rate ${pct(rate)} over ${lookups} cached-path answers in the last ${window} ` +
          `(threshold ${pct(t.cacheHitRateWarning)}; L3 ${s.cache.l3}, computed ${s.cache.miss})`,
        details: { ...details, hitRate: round(rate, 4) },
      },
    });
  }
  return verdicts;
}

// ---- all rules -------------------------------------------------------------------------------------

/** What the evaluator read; a part it could not read is left out, and its rules give no verdict. */
export interface AlertInputs {
  models?: ModelDriftInput[];
  staleGames?: StaleGamesInput;
  results?: NoResultsInput;
  jobs?: { jobs: JobState[] };
  reconciliation?: { runs: ReconciliationRun[] };
  parkedEvents?: ParkedEventsInput;
  serving?: { minutes: MinuteCounters[] };
}

export function evaluateRules(
  inputs: AlertInputs,
  nowMs: number,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): Verdict[] {
  return [
    ...(inputs.models ?? []).flatMap((m) => modelDrift(m, t)),
    ...(inputs.staleGames ? staleGames(inputs.staleGames, nowMs, t) : []),
    ...(inputs.results ? noResults(inputs.results, nowMs, t) : []),
    ...(inputs.jobs ? jobsOverdue(inputs.jobs, nowMs, t) : []),
    ...(inputs.reconciliation ? reconciliationDrift(inputs.reconciliation, t) : []),
    ...(inputs.parkedEvents ? parkedStripeEvents(inputs.parkedEvents, nowMs) : []),
    ...(inputs.serving ? serving(inputs.serving, nowMs, t) : []),
  ];
}
