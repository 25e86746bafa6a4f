import { emptyMinute, minuteOf } from '../../../src/domain/service-counters';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alertId,
  DEFAULT_ALERT_THRESHOLDS as T,
  driftWindow,
  evaluateRules,
  inSeason,
  jobsOverdue,
  MAX_ALERT_ID_LENGTH,
  modelDrift,
  noResults,
  parkedStripeEvents,
  reconciliationDrift,
  safeDocId,
  serving,
  staleGames,
  validationBrier,
  type AggModelSeason,
  type MinuteCounters,
  type Verdict,
} from '../../../src/domain/alert-rules';
import { add, gradePrediction, type GradeFields } from '../../../src/domain/grading';
import { toRun, type ReconciliationRun } from '../../../src/domain/ops-runs';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2017-10-15T12:00:00Z');

const finding = (verdicts: Verdict[], ruleId: string) => verdicts.find((v) => v.ruleId === ruleId)?.finding;

// ---- model drift -----------------------------------------------------------------------------------

/** `games` graded games, 60% home wins, the model and Elo at fixed probabilities. */
function history(games: number, model: number, elo: number | undefined) {
  return Array.from({ length: games }, (_, i) => ({ p: model, elo, outcome: i % 5 < 3 ? 1 : 0 }));
}
type Game = ReturnType<typeof history>[number];
const season = (year: number, games: Game[]): AggModelSeason => ({
  season: year,
  sums: games.reduce<GradeFields>((acc, g) => add(acc, gradePrediction(g.p, g.elo, g.outcome)), {}),
});
const brierOf = (games: Game[], pick: (g: Game) => number) =>
  games.reduce((s, g) => s + (pick(g) - g.outcome) ** 2, 0) / games.length;
const drift = (seasons: AggModelSeason[], validation: number | null = 0.235) =>
  modelDrift({ modelId: 'nfl-wp', version: 'v3', validationBrier: validation, seasons });

describe('model drift', () => {
  const healthy = history(130, 0.6, 0.6);
  const drifting = history(130, 0.4, 0.6);

  it('stays silent on a model as good as its validation and as Elo', () => {
    const brier = brierOf(healthy, (g) => g.p);
    expect(brier - 0.235).toBeLessThan(T.driftVsValidationWarning);
    expect(drift([season(2017, healthy)])).toEqual([
      { ruleId: 'model-drift-validation', subject: 'nfl-wp', finding: null },
      { ruleId: 'model-drift-elo', subject: 'nfl-wp', finding: null },
    ]);
  });

  it('fires when the Brier is worse than the validation Brier and than Elo on the same games', () => {
    const brier = brierOf(drifting, (g) => g.p);
    const elo = brierOf(drifting, (g) => g.elo ?? NaN);
    const vsValidation = brier - 0.235;
    const vsElo = brier - elo;
    // The history sits between the validation thresholds and past Elo's critical one.
    expect(vsValidation).toBeGreaterThanOrEqual(T.driftVsValidationWarning);
    expect(vsValidation).toBeLessThan(T.driftVsValidationCritical);
    expect(vsElo).toBeGreaterThanOrEqual(T.driftVsEloCritical);
    const verdicts = drift([season(2017, drifting)]);
    expect(finding(verdicts, 'model-drift-validation')).toMatchObject({
      subject: 'nfl-wp',
      severity: 'warning',
      details: { version: 'v3', n: 130, seasons: '2017', brier: Number(brier.toFixed(6)) },
    });
    expect(finding(verdicts, 'model-drift-validation')?.summary).toContain(
      `Brier ${brier.toFixed(4)} over its last 130 graded games`,
    );
    expect(finding(verdicts, 'model-drift-elo')).toMatchObject({
      severity: 'critical',
      details: { n: 130, brier: Number(brier.toFixed(6)), eloBrier: Number(elo.toFixed(6)) },
    });
  });

  it('gives no verdict below the minimum sample, and skips the validation check without a validation Brier', () => {
    expect(drift([season(2017, history(T.driftMinGames - 1, 0.4, 0.6))])).toEqual([]);
    expect(drift([season(2017, drifting)], null).map((v) => v.ruleId)).toEqual(['model-drift-elo']);
  });

  it('takes the newest whole seasons until the window is covered', () => {
    const old = season(2016, history(200, 0.6, 0.6));
    // The current season alone covers the window: the healthy past does not dilute it.
    expect(driftWindow([old, season(2017, drifting)], T.driftWindowGames).map((s) => s.season)).toEqual([
      2017,
    ]);
    expect(finding(drift([old, season(2017, drifting)]), 'model-drift-validation')?.details.n).toBe(130);
    // Early in a season the window reaches into the previous one, and the numbers are over both.
    const early = history(40, 0.4, 0.6);
    expect(driftWindow([season(2017, early), old], T.driftWindowGames).map((s) => s.season)).toEqual([
      2017, 2016,
    ]);
    const before = history(100, 0.4, 0.6);
    const brier = brierOf([...early, ...before], (g) => g.p);
    expect(
      finding(drift([season(2017, early), season(2016, before)]), 'model-drift-validation'),
    ).toMatchObject({
      details: { n: 140, seasons: '2016-2017', brier: Number(brier.toFixed(6)) },
    });
  });

  it('compares with Elo only over seasons where every graded game carries Elo', () => {
    // 2016 graded before predictions carried Elo: the model's 2016 games have no Elo to compare.
    const noElo = season(2016, history(200, 0.4, undefined));
    const verdicts = drift([season(2017, history(60, 0.4, 0.6)), noElo]);
    expect(verdicts.map((v) => v.ruleId)).toEqual(['model-drift-validation']);
    const withElo = drift([season(2017, history(110, 0.4, 0.6)), noElo]);
    expect(finding(withElo, 'model-drift-elo')?.details).toMatchObject({ n: 110, seasons: '2017' });
  });

  it('reads the validation Brier from the metrics uploaded with a version', () => {
    const metrics = JSON.parse(
      readFileSync(join(__dirname, '../../../../models/nfl/metrics.json'), 'utf8'),
    ) as { validation: { seasons: { label: string; ours: { brier: number } }[] } };
    const overall = metrics.validation.seasons.at(-1);
    expect(overall?.label).toMatch(/-/); // the whole validation span, not one season
    expect(validationBrier(metrics)).toBe(overall?.ours.brier);
    expect(validationBrier({ validation: { brier: 0.21 } })).toBe(0.21);
    expect(validationBrier({ brier: 0.22 })).toBe(0.22);
    expect(validationBrier(undefined)).toBeNull();
    expect(validationBrier({ brier: 'low' })).toBeNull();
  });
});

// ---- stale data ------------------------------------------------------------------------------------

describe('stale data', () => {
  const game = (gameId: string, hoursAgo: number, status = 'scheduled') => ({
    gameId,
    sport: 'nfl',
    kickoffMs: NOW - hoursAgo * HOUR,
    status,
  });
  const afterHours = T.staleGameAfterMs / HOUR;

  it('raises one alert per sport for games past kickoff + the window and not final', () => {
    const verdicts = staleGames(
      {
        sports: ['nfl'],
        games: [game('nfl_b', afterHours + 1), game('nfl_a', afterHours + 24), game('nfl_c', afterHours - 1)],
      },
      NOW,
    );
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]?.finding).toMatchObject({
      ruleId: 'stale-games',
      subject: 'nfl',
      severity: 'warning',
      details: {
        count: 2,
        oldestGameId: 'nfl_a',
        hoursSinceKickoff: afterHours + 24,
        gameIds: 'nfl_a,nfl_b',
      },
    });
    expect(verdicts[0]?.finding?.summary).toBe(
      `nfl: 2 games kicked off more than ${afterHours.toFixed(1)} h ago and are still not final ` +
        `(oldest nfl_a, ${(afterHours + 24).toFixed(1)} h since kickoff)`,
    );
  });

  it('is healthy when every game past its window is final, or still within it', () => {
    const verdicts = staleGames(
      { sports: ['nfl'], games: [game('nfl_a', 48, 'final'), game('nfl_b', afterHours - 0.5)] },
      NOW,
    );
    expect(verdicts).toEqual([{ ruleId: 'stale-games', subject: 'nfl', finding: null }]);
  });

  it('says "at least" when the evaluator capped its read', () => {
    const verdicts = staleGames({ sports: [], games: [game('nfl_a', 30)], truncated: true }, NOW);
    expect(verdicts[0]?.finding?.summary).toMatch(/^nfl: at least 1 game kicked off/);
  });

  it('knows the NFL season: Sept 15 to Jan 25, across the new year', () => {
    const nfl = { from: '09-15', to: '01-25' };
    expect(inSeason(nfl, Date.parse('2017-10-15T00:00:00Z'))).toBe(true);
    expect(inSeason(nfl, Date.parse('2018-01-10T00:00:00Z'))).toBe(true);
    expect(inSeason(nfl, Date.parse('2018-02-10T00:00:00Z'))).toBe(false);
    expect(inSeason(nfl, Date.parse('2017-09-10T00:00:00Z'))).toBe(false);
    expect(inSeason({ from: '03-01', to: '10-31' }, Date.parse('2017-07-04T00:00:00Z'))).toBe(true);
  });

  it('fires in season when no final result is recent enough, and never out of season', () => {
    const quiet = T.noResultAfterMs + DAY;
    const late = noResults({ sports: [{ sport: 'nfl', latestFinalKickoffMs: NOW - quiet }] }, NOW);
    expect(late[0]?.finding).toMatchObject({
      ruleId: 'no-results',
      subject: 'nfl',
      severity: 'warning',
      details: { daysSinceLatestFinal: quiet / DAY },
    });
    const none = noResults({ sports: [{ sport: 'nfl', latestFinalKickoffMs: null }] }, NOW);
    expect(none[0]?.finding?.summary).toContain('no final result in the last');
    const recent = noResults(
      { sports: [{ sport: 'nfl', latestFinalKickoffMs: NOW - T.noResultAfterMs + HOUR }] },
      NOW,
    );
    expect(recent[0]?.finding).toBeNull();
    const july = Date.parse('2017-07-15T12:00:00Z');
    expect(
      noResults({ sports: [{ sport: 'nfl', latestFinalKickoffMs: null }] }, july)[0]?.finding,
    ).toBeNull();
  });
});

// ---- failing jobs ----------------------------------------------------------------------------------

describe('failing jobs', () => {
  const daily = (lastCompletedMs: number | null) => ({
    job: 'reconcileAggregates',
    periodMs: DAY,
    lastCompletedMs,
  });
  const verdict = (lastCompletedMs: number | null) => jobsOverdue({ jobs: [daily(lastCompletedMs)] }, NOW)[0];

  it('is healthy within its period plus the grace', () => {
    expect(verdict(NOW - DAY - T.jobGraceMs + 60_000)?.finding).toBeNull();
  });

  it('is a warning past its period plus the grace, critical after several missed periods', () => {
    expect(verdict(NOW - DAY - T.jobGraceMs - 60_000)?.finding).toMatchObject({
      ruleId: 'job-overdue',
      subject: 'reconcileAggregates',
      severity: 'warning',
    });
    expect(verdict(NOW - T.jobCriticalMissedRuns * DAY - T.jobGraceMs - 60_000)?.finding?.severity).toBe(
      'critical',
    );
    const warming = { job: 'warmPredictionCache', periodMs: 15 * 60_000, lastCompletedMs: NOW - 50 * 60_000 };
    expect(15 * 60_000 + T.jobGraceMs).toBeLessThan(50 * 60_000);
    expect(jobsOverdue({ jobs: [warming] }, NOW)[0]?.finding?.summary).toBe(
      'warmPredictionCache: last completed 50 min ago, runs every 15 min (grace 30 min)',
    );
  });

  it('warns about a job with no completion recorded', () => {
    expect(verdict(null)?.finding).toMatchObject({ severity: 'warning', details: { lastCompleted: null } });
  });

  const aggregates = (id: string, at: string, repaired: number): ReconciliationRun =>
    toRun({
      kind: 'aggregates',
      id,
      finishedAtMs: Date.parse(at),
      data: {
        runId: id,
        from: '2017-10-08',
        userDaily: { checked: 100, repaired, skippedRecent: 0, countDrift: 3 * repaired, engagementDrift: 0 },
      },
    });

  it('judges the latest reconciliation run by what it repaired', () => {
    const t = T.reconciliationRepairsWarning;
    const run = (repaired: number) =>
      reconciliationDrift({ runs: [aggregates('r1', '2017-10-15T04:00:05Z', repaired)] })[0];
    expect(run(t - 1)).toEqual({
      ruleId: 'reconciliation-drift',
      subject: 'reconcileAggregates',
      finding: null,
    });
    expect(run(t)?.finding).toMatchObject({
      severity: 'warning',
      details: { repaired: t, countDrift: 3 * t },
    });
    expect(run(T.reconciliationRepairsCritical)?.finding?.severity).toBe('critical');
    // An old run's drift was repaired; the latest run is clean.
    const latest = reconciliationDrift({
      runs: [aggregates('r1', '2017-10-14T04:00:05Z', 100), aggregates('r2', '2017-10-15T04:00:05Z', 0)],
    });
    expect(latest).toEqual([
      { ruleId: 'reconciliation-drift', subject: 'reconcileAggregates', finding: null },
    ]);
  });

  it('warns when billing reconciliation could not re-sync a customer', () => {
    const billing = toRun({
      kind: 'billing',
      id: 'b1',
      finishedAtMs: NOW,
      data: {
        runId: 'b1',
        since: '',
        customers: 3,
        repaired: [],
        failed: [{ customerId: 'cus_1', error: 'x' }],
      },
    });
    expect(reconciliationDrift({ runs: [billing] })[0]?.finding).toMatchObject({
      subject: 'reconcileBilling',
      severity: 'warning',
      details: { failed: 1 },
    });
  });

  it('warns while Stripe events are parked for an admin', () => {
    expect(parkedStripeEvents({ count: 0, oldestParkedMs: null }, NOW)[0]?.finding).toBeNull();
    const parked = parkedStripeEvents({ count: 2, oldestParkedMs: NOW - 3 * DAY }, NOW)[0]?.finding;
    expect(parked).toMatchObject({ subject: 'stripe', severity: 'warning', details: { count: 2 } });
    expect(parked?.summary).toBe(
      '2 Stripe events parked for an admin (no user for the customer), the oldest 3.0 days ago',
    );
  });
});

// ---- cache and serving -----------------------------------------------------------------------------

describe('cache and serving', () => {
  /** The last `count` minutes before NOW, each with the given counts. */
  function minutes(count: number, m: Partial<Omit<MinuteCounters, 'minute'>>, endMs = NOW): MinuteCounters[] {
    return Array.from({ length: count }, (_, i) => ({
      ...emptyMinute(minuteOf(endMs - (i + 1) * 60_000)),
      ...m,
    }));
  }
  const healthy = minutes(60, { requests: 10, cache: { l1: 8, l2: 1, l3: 0, miss: 1 } });

  it('stays silent on a healthy hour', () => {
    expect(serving({ minutes: healthy }, NOW)).toEqual([
      { ruleId: 'api-5xx-rate', subject: 'api', finding: null },
      { ruleId: 'cache-hit-rate', subject: 'api', finding: null },
    ]);
  });

  it('fires on the share of 5xx answers: warning, then critical', () => {
    const requests = 60 * 10;
    const warn = Math.ceil(requests * T.errorRateWarning) + 6; // 2% of 600
    const crit = Math.ceil(requests * T.errorRateCritical) + 6; // 6%
    const verdict = (errors: number) => {
      const hour = minutes(60, { requests: 10 });
      hour[0] = { ...(hour[0] as MinuteCounters), errors5xx: errors };
      return finding(serving({ minutes: hour }, NOW), 'api-5xx-rate');
    };
    expect(verdict(warn)).toMatchObject({ severity: 'warning', details: { requests, errors5xx: warn } });
    expect(verdict(warn)?.summary).toContain(
      `${((warn / requests) * 100).toFixed(1)}% of ${requests} answers`,
    );
    expect(verdict(crit)?.severity).toBe('critical');
  });

  it('fires on a low L1+L2 hit rate', () => {
    const cold = minutes(60, { requests: 10, cache: { l1: 3, l2: 1, l3: 1, miss: 5 } });
    const hit = (3 + 1) / 10;
    expect(hit).toBeLessThan(T.cacheHitRateWarning);
    expect(hit).toBeGreaterThan(T.cacheHitRateCritical);
    expect(finding(serving({ minutes: cold }, NOW), 'cache-hit-rate')).toMatchObject({
      severity: 'warning',
      details: { hitRate: hit, l1: 180, l2: 60, l3: 60, miss: 300 },
    });
  });

  it('counts only the last hour, and gives no verdict below the minimum traffic', () => {
    const old = minutes(1, { requests: 1000, errors5xx: 1000 }, NOW - T.servingWindowMs);
    const future = minutes(1, { requests: 1000, errors5xx: 1000 }, NOW + 60_000);
    expect(finding(serving({ minutes: [...healthy, ...old, ...future] }, NOW), 'api-5xx-rate')).toBeNull();
    const quiet = minutes(60, { requests: 3, errors5xx: 3, cache: { l1: 0, l2: 0, l3: 0, miss: 3 } });
    expect(60 * 3).toBeLessThan(T.servingMinRequests);
    expect(serving({ minutes: quiet }, NOW)).toEqual([]);
  });
});

// ---- ids and the whole set ---------------------------------------------------------------------------

describe('alert ids', () => {
  it('are the rule and subject when those are safe', () => {
    expect(alertId('model-drift-elo', 'nfl-wp@v3')).toBe('model-drift-elo_nfl-wp@v3');
  });

  it('are safe, bounded, deterministic and distinct for anything else', () => {
    const slash = alertId('stale-games', 'a/b');
    expect(slash).not.toContain('/');
    expect(slash).toBe(alertId('stale-games', 'a/b'));
    expect(slash).not.toBe(alertId('stale-games', 'a-b'));
    const long = (c: string) => alertId('job-overdue', 'x'.repeat(300) + c);
    expect(long('1').length).toBeLessThanOrEqual(MAX_ALERT_ID_LENGTH);
    expect(long('1')).not.toBe(long('2'));
    // `{ruleId}_{subject}` splits one way only.
    expect(alertId('a_b', 'c')).not.toBe(alertId('a', 'b_c'));
    expect(safeDocId('__x__')).not.toBe('__x__');
    expect(safeDocId('..')).not.toBe('..');
  });
});

it('evaluates only the rules whose inputs were read', () => {
  const verdicts = evaluateRules(
    { parkedEvents: { count: 1, oldestParkedMs: null }, jobs: { jobs: [] } },
    NOW,
  );
  expect(verdicts.map((v) => `${v.ruleId}/${v.subject}`)).toEqual(['stripe-parked-events/stripe']);
});
