import fc from 'fast-check';
import { add, gradePrediction, negate, type GradeFields } from '../../../src/domain/grading';
import {
  aggDrift,
  aggModelId,
  close,
  expectedGraded,
  fieldDiff,
  gradedAgrees,
  ModelAggPlanner,
  predictionRow,
  settleGroup,
  storedGroup,
  sumsAgree,
  type GameRow,
  type GroupWork,
  type PredictionRow,
} from '../../../src/domain/model-reconciliation';

const NOW = Date.parse('2026-03-01T04:00:00Z');
const SETTLE = 10 * 60_000;
const OLD = NOW - 3_600_000;

const final = (season: number, outcome: number, updatedMs = OLD): GameRow => ({ season, outcome, updatedMs });
const scheduled = (season: number, updatedMs = OLD): GameRow => ({ season, outcome: null, updatedMs });

function pred(
  gameId: string,
  p: number,
  opts: { model?: string; version?: string; eloP?: number; graded?: unknown; updatedMs?: number } = {},
): PredictionRow {
  const model = opts.model ?? 'm';
  const version = opts.version ?? 'v1';
  return {
    id: `${gameId}__${model}@${version}`,
    gameId,
    modelId: model,
    version,
    p,
    eloP: opts.eloP,
    graded: opts.graded,
    updatedMs: opts.updatedMs ?? OLD,
  };
}

/** A prediction as the games trigger leaves it after grading `outcome`. */
const gradedAs = (p: number, eloP: number | undefined, outcome: number) => ({
  fields: gradePrediction(p, eloP, outcome),
  outcome,
});

describe('agreement with a tolerance', () => {
  it('treats float noise as agreement and a real difference, NaN or a missing field as drift', () => {
    expect(close(0.1 + 0.2, 0.3)).toBe(true);
    expect(close(1e12, 1e12 + 1)).toBe(true); // 1e-12 relative
    expect(close(5, 5.001)).toBe(false);
    expect(close(1e-17, 0)).toBe(true); // what add-then-subtract leaves
    expect(close(Number.NaN, Number.NaN)).toBe(false);
    expect(sumsAgree({ n: 2, brierSum: 0.5 }, { n: 2, brierSum: 0.5 + 1e-15, hits: 0 })).toBe(true);
    expect(sumsAgree({ n: 2 }, { n: 2, hits: 1 })).toBe(false);
    expect(fieldDiff({ n: 3, hits: 1, brierSum: 0.5 }, { n: 2, hits: 1, brierSum: 0.5 })).toEqual({
      was: { n: 3 },
      now: { n: 2 },
    });
  });

  it('measures drift in n and in the Brier sum, a NaN as all of the truth', () => {
    expect(aggDrift({ was: { n: 5, brierSum: 1 }, now: { n: 3, brierSum: 0.25 } })).toEqual({
      n: 2,
      brier: 0.75,
    });
    expect(aggDrift({ was: { n: Number.NaN }, now: { n: 3, brierSum: 0.5 } })).toEqual({ n: 3, brier: 0.5 });
  });
});

describe('what a prediction must carry', () => {
  it('the grade of its final game (model and Elo), nothing for a game not final or missing', () => {
    const p = pred('g1', 0.7, { eloP: 0.6 });
    expect(expectedGraded(p, final(2025, 1))).toEqual(gradedAs(0.7, 0.6, 1));
    expect(expectedGraded(p, final(2025, 0.5))?.outcome).toBe(0.5);
    expect(expectedGraded(p, scheduled(2025))).toBeNull();
    expect(expectedGraded(p, { season: null, outcome: null, updatedMs: null })).toBeNull();
    // Not a probability: nothing to grade (the trigger would have written NaN sums).
    expect(expectedGraded({ ...p, p: '0.7' }, final(2025, 1))).toBeNull();
    expect(expectedGraded({ ...p, p: 1.5 }, final(2025, 1))).toBeNull();
  });

  it('compares the stored record with the expected one', () => {
    const want = gradedAs(0.7, 0.6, 1);
    expect(gradedAgrees(want, want)).toBe(true);
    expect(gradedAgrees(undefined, null)).toBe(true);
    expect(gradedAgrees(undefined, want)).toBe(false); // never graded
    expect(gradedAgrees(want, null)).toBe(false); // graded, game no longer final
    expect(gradedAgrees({ ...want, outcome: 0 }, want)).toBe(false);
    expect(gradedAgrees(gradedAs(0.7, undefined, 1), want)).toBe(false); // Elo part missing
    expect(gradedAgrees({ fields: 'x' }, want)).toBe(false);
  });

  it('reads the document, and skips one that names no game or model version', () => {
    expect(
      predictionRow('a', { gameId: 'g', modelId: 'm', version: 'v', homeWinProbability: 0.5 }, 1),
    ).toMatchObject({ id: 'a', gameId: 'g', modelId: 'm', version: 'v', p: 0.5, updatedMs: 1 });
    expect(predictionRow('a', { gameId: 'g', homeWinProbability: 0.5 }, 1)).toBeNull();
  });

  it('reads an agg_model document’s group from its fields, else from its id', () => {
    expect(storedGroup('x', { modelId: 'm', version: 'v1', season: 2025 })).toEqual({
      modelId: 'm',
      version: 'v1',
      season: 2025,
    });
    expect(storedGroup('m@v_1_2024', { n: 3 })).toEqual({ modelId: 'm', version: 'v_1', season: 2024 });
    expect(storedGroup('garbage', {})).toBeNull();
  });
});

/**
 * A whole reconciliation over an in-memory store, the way services/reconciliation.ts runs it:
 * pages of predictions (ordered by id) folded into the planner, then every planned group settled
 * from a re-read of its model version's predictions in its game id range.
 */
interface Store {
  predictions: Map<string, PredictionRow>;
  games: Map<string, GameRow>;
  aggs: Map<string, { data: Record<string, unknown>; updatedMs: number }>;
}

function reconcileInMemory(store: Store, pageSize: number, nowMs = NOW, settleMs = SETTLE) {
  const planner = new ModelAggPlanner({ nowMs, settleMs });
  for (const [id, agg] of store.aggs) planner.addStored(id, agg.data, agg.updatedMs);
  const ordered = [...store.predictions.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (let i = 0; i < ordered.length; i += pageSize) {
    const page = ordered.slice(i, i + pageSize);
    const games = new Map<string, GameRow>();
    for (const p of page) {
      const g = store.games.get(p.gameId);
      if (g) games.set(p.gameId, g);
    }
    planner.addPredictions(page, games);
  }
  const plan = planner.plan();
  const done = { repaired: [] as string[], fixes: 0, recent: 0 };
  for (const work of plan.work) {
    const outcome = settle(store, work, nowMs, settleMs);
    if (outcome.kind === 'recent') {
      done.recent += 1;
      continue;
    }
    if (outcome.agg && work.aggId) {
      const data = store.aggs.get(work.aggId)?.data ?? {};
      const zeros = Object.fromEntries(Object.keys(outcome.agg.was).map((k) => [k, 0]));
      store.aggs.set(work.aggId, {
        data: {
          ...data,
          modelId: work.modelId,
          version: work.version,
          season: work.season,
          ...zeros,
          ...outcome.agg.now,
        },
        updatedMs: nowMs,
      });
      done.repaired.push(work.aggId);
    }
    for (const fix of outcome.fixes) {
      const p = store.predictions.get(fix.id) as PredictionRow;
      store.predictions.set(fix.id, { ...p, graded: fix.graded ?? undefined, updatedMs: nowMs });
      done.fixes += 1;
    }
  }
  return { plan, done, predictions: planner.predictions };
}

function settle(store: Store, work: GroupWork, nowMs: number, settleMs: number) {
  const range = work.gameIds;
  const predictions = range
    ? [...store.predictions.values()].filter(
        (p) =>
          p.modelId === work.modelId &&
          p.version === work.version &&
          p.gameId >= range.first &&
          p.gameId <= range.last,
      )
    : [];
  const stored = work.aggId ? store.aggs.get(work.aggId) : undefined;
  return settleGroup({
    group: work,
    stored: stored ? { data: stored.data, updatedMs: stored.updatedMs } : null,
    predictions,
    games: new Map(
      predictions.flatMap((p) =>
        store.games.has(p.gameId) ? [[p.gameId, store.games.get(p.gameId) as GameRow]] : [],
      ),
    ),
    nowMs,
    settleMs,
  });
}

/** The truth, computed the obvious way: every prediction of a final game, graded into its bucket. */
function truth(store: Store): Map<string, GradeFields> {
  const out = new Map<string, GradeFields>();
  for (const p of store.predictions.values()) {
    const g = store.games.get(p.gameId);
    if (!g || g.season === null || g.outcome === null || typeof p.p !== 'number') continue;
    const id = aggModelId(p.modelId, p.version, g.season);
    out.set(id, add(out.get(id) ?? {}, gradePrediction(p.p, p.eloP as number | undefined, g.outcome)));
  }
  return out;
}

function expectConsistent(store: Store): void {
  const want = truth(store);
  for (const id of new Set([...want.keys(), ...store.aggs.keys()])) {
    const data = store.aggs.get(id)?.data ?? {};
    const sums = Object.fromEntries(
      Object.entries(data).filter(([k, v]) => typeof v === 'number' && k !== 'season'),
    ) as GradeFields;
    expect([id, sumsAgree(sums, want.get(id) ?? {})]).toEqual([id, true]);
  }
  for (const p of store.predictions.values()) {
    const g = store.games.get(p.gameId) ?? { season: null, outcome: null, updatedMs: null };
    expect([p.id, gradedAgrees(p.graded, expectedGraded(p, g))]).toEqual([p.id, true]);
  }
}

/** The games trigger's regrade of one game (services/game-events.ts), on the store. */
function regrade(store: Store, gameId: string, season: number, outcome: number | null): void {
  for (const p of store.predictions.values()) {
    if (p.gameId !== gameId) continue;
    const old = (p.graded as { fields: GradeFields } | undefined)?.fields;
    const next =
      outcome === null ? null : gradePrediction(p.p as number, p.eloP as number | undefined, outcome);
    const id = aggModelId(p.modelId, p.version, season);
    const agg = store.aggs.get(id)?.data ?? { modelId: p.modelId, version: p.version, season };
    const delta = add(old ? negate(old) : {}, next ?? {});
    for (const [k, v] of Object.entries(delta)) agg[k] = ((agg[k] as number | undefined) ?? 0) + v;
    store.aggs.set(id, { data: agg, updatedMs: OLD });
    store.predictions.set(p.id, { ...p, graded: next ? { fields: next, outcome } : undefined });
  }
}

function emptyStore(): Store {
  return { predictions: new Map(), games: new Map(), aggs: new Map() };
}

describe('reconciling agg_model', () => {
  it('grades, once, a prediction of a final game written after its regrade', () => {
    const store = emptyStore();
    store.games.set('g1', final(2025, 1));
    store.games.set('g2', final(2025, 0));
    store.predictions.set('g1__m@v1', pred('g1', 0.7, { eloP: 0.6 }));
    regrade(store, 'g1', 2025, 1);
    // g2 finished before its prediction was stored: the regrade never saw it.
    store.predictions.set('g2__m@v1', pred('g2', 0.4, { eloP: 0.45 }));

    const first = reconcileInMemory(store, 1);
    expect(first.plan).toMatchObject({ checked: 1, skippedRecent: 0 });
    expect(first.done).toEqual({ repaired: ['m@v1_2025'], fixes: 1, recent: 0 });
    expectConsistent(store);
    expect(store.aggs.get('m@v1_2025')?.data).toMatchObject({ n: 2, elo_n: 2, hits: 2 });
    // Counted once: the next run finds nothing, and a correction regrades from the right record.
    const later = NOW + SETTLE;
    expect(reconcileInMemory(store, 1, later).plan).toEqual({ checked: 1, skippedRecent: 0, work: [] });
    store.games.set('g2', final(2025, 1));
    regrade(store, 'g2', 2025, 1);
    expectConsistent(store);
  });

  it('ungrades a prediction whose game is no longer final, or is gone', () => {
    const store = emptyStore();
    store.games.set('g1', final(2025, 1));
    store.games.set('g2', final(2025, 1));
    store.predictions.set('g1__m@v1', pred('g1', 0.7));
    store.predictions.set('g2__m@v1', pred('g2', 0.2));
    regrade(store, 'g1', 2025, 1);
    regrade(store, 'g2', 2025, 1);
    // Reverted and deleted with the trigger lost: the grades stay on the predictions and in the sums.
    store.games.set('g1', scheduled(2025));
    store.games.delete('g2');

    const run = reconcileInMemory(store, 1000);
    expect(run.plan.checked).toBe(1); // the group without a game has no document
    expect(run.done.fixes).toBe(2);
    expectConsistent(store);
    expect(store.aggs.get('m@v1_2025')?.data).toMatchObject({ n: 0, brierSum: 0, bin7_n: 0, bin2_n: 0 });
    expect(store.predictions.get('g1__m@v1')?.graded).toBeUndefined();
    expect(store.predictions.get('g2__m@v1')?.graded).toBeUndefined();
  });

  it('leaves float noise alone, and repairs a corrupted sum or a ghost document', () => {
    const store = emptyStore();
    for (let i = 0; i < 30; i++) {
      store.games.set(`g${i}`, final(2025, i % 3 === 0 ? 0 : 1));
      store.predictions.set(`g${i}__m@v1`, pred(`g${i}`, 0.05 + (i % 19) / 20, { eloP: 0.31 + i / 100 }));
    }
    // Graded in reverse order: the trigger's sums differ from the planner's in their last bits.
    for (let i = 29; i >= 0; i--) regrade(store, `g${i}`, 2025, i % 3 === 0 ? 0 : 1);
    expect(reconcileInMemory(store, 7).plan.work).toEqual([]);

    const agg = store.aggs.get('m@v1_2025') as { data: Record<string, number> };
    agg.data.brierSum = (agg.data.brierSum ?? 0) + 0.25;
    agg.data.n = (agg.data.n ?? 0) + 2;
    store.aggs.set('m@v1_1999', {
      data: { modelId: 'm', version: 'v1', season: 1999, n: 4, brierSum: 1 },
      updatedMs: OLD,
    });
    const run = reconcileInMemory(store, 7);
    expect(run.plan.checked).toBe(2);
    expect(run.done.repaired.sort()).toEqual(['m@v1_1999', 'm@v1_2025']);
    expect(run.done.fixes).toBe(0);
    expectConsistent(store);
  });

  it('moves grades left in an old season to the game’s season', () => {
    const store = emptyStore();
    store.games.set('g1', final(2024, 1));
    store.predictions.set('g1__m@v1', pred('g1', 0.7));
    regrade(store, 'g1', 2024, 1);
    // The season corrected: the trigger regrades into the new season only (n -1 +1 there).
    store.games.set('g1', final(2025, 1));
    regrade(store, 'g1', 2025, 1);
    expect(store.aggs.get('m@v1_2024')?.data.n).toBe(1);
    expect(store.aggs.get('m@v1_2025')?.data.n).toBe(0);

    const run = reconcileInMemory(store, 1000);
    expect(run.done.repaired.sort()).toEqual(['m@v1_2024', 'm@v1_2025']);
    expect(store.aggs.get('m@v1_2024')?.data.n).toBe(0);
    expect(store.aggs.get('m@v1_2025')?.data.n).toBe(1);
    expectConsistent(store);
  });

  it('skips what changed within the settle window: a prediction, its game or the document', () => {
    const make = () => {
      const store = emptyStore();
      store.games.set('g1', final(2025, 1));
      store.predictions.set('g1__m@v1', pred('g1', 0.7));
      store.aggs.set('m@v1_2025', {
        data: { modelId: 'm', version: 'v1', season: 2025, n: 5 },
        updatedMs: OLD,
      });
      return store;
    };
    const recent = NOW - 60_000;
    const cases: [string, (s: Store) => void][] = [
      ['prediction', (s) => s.predictions.set('g1__m@v1', pred('g1', 0.7, { updatedMs: recent }))],
      ['game', (s) => s.games.set('g1', final(2025, 1, recent))],
      ['document', (s) => s.aggs.set('m@v1_2025', { data: { n: 5 }, updatedMs: recent })],
    ];
    for (const [what, touch] of cases) {
      const store = make();
      touch(store);
      const run = reconcileInMemory(store, 1000);
      expect([what, run.plan.skippedRecent, run.done.repaired]).toEqual([what, 1, []]);
      expect(reconcileInMemory(store, 1000, NOW + SETTLE).done.repaired).toEqual(['m@v1_2025']);
    }
  });

  it('skips, in the transaction, a group written after the pages were read', () => {
    const store = emptyStore();
    store.games.set('g1', final(2025, 1));
    store.predictions.set('g1__m@v1', pred('g1', 0.7));
    const planner = new ModelAggPlanner({ nowMs: NOW, settleMs: SETTLE });
    planner.addPredictions([...store.predictions.values()], store.games);
    const [work] = planner.plan().work as [GroupWork];
    expect(settle(store, work, NOW, SETTLE)).toMatchObject({ kind: 'settled', fixes: [{ id: 'g1__m@v1' }] });
    // The game's result corrected meanwhile (its trigger is in flight).
    const game = store.games.get('g1') as GameRow;
    store.games.set('g1', final(2025, 0, NOW + 1_000));
    expect(settle(store, work, NOW, SETTLE)).toEqual({ kind: 'recent' });
    // Or the document was written by a regrade (of a game whose prediction came after the pages).
    store.games.set('g1', game);
    store.aggs.set('m@v1_2025', { data: { n: 1 }, updatedMs: NOW + 1_000 });
    expect(settle(store, work, NOW, SETTLE)).toEqual({ kind: 'recent' });
  });

  it('sets a graded record right even when the document is right', () => {
    const store = emptyStore();
    store.games.set('g1', final(2025, 1));
    store.games.set('g2', scheduled(2025));
    store.predictions.set('g1__m@v1', pred('g1', 0.7));
    regrade(store, 'g1', 2025, 1);
    // A grade left on a prediction of a game that is not final, with the document right without it.
    store.predictions.set('g2__m@v1', pred('g2', 0.4, { graded: gradedAs(0.4, undefined, 1) }));
    const run = reconcileInMemory(store, 1000);
    expect(run.done).toEqual({ repaired: [], fixes: 1, recent: 0 });
    expect(store.predictions.get('g2__m@v1')?.graded).toBeUndefined();
    expectConsistent(store);
  });

  it('folds pages into the same plan whatever the page size (memory bounded by groups)', () => {
    const game = fc.record({
      season: fc.constantFrom(2023, 2024, null),
      outcome: fc.constantFrom(0, 0.5, 1, null),
    });
    const scenario = fc.record({
      games: fc.array(game, { minLength: 1, maxLength: 12 }),
      predictions: fc.array(
        fc.record({
          game: fc.nat(11),
          model: fc.constantFrom('a', 'b'),
          version: fc.constantFrom('v1', 'v2'),
          p: fc.double({ min: 0, max: 1, noNaN: true }),
          eloP: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          graded: fc.constantFrom('right', 'none', 'wrong'),
        }),
        { maxLength: 40 },
      ),
      corruptions: fc.array(fc.tuple(fc.nat(20), fc.double({ min: -5, max: 5, noNaN: true })), {
        maxLength: 3,
      }),
      pageSize: fc.integer({ min: 1, max: 9 }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const store = emptyStore();
        s.games.forEach((g, i) =>
          store.games.set(`g${String(i).padStart(2, '0')}`, {
            season: g.season,
            outcome: g.season === null ? null : g.outcome,
            updatedMs: OLD,
          }),
        );
        for (const x of s.predictions) {
          const gameId = `g${String(x.game % s.games.length).padStart(2, '0')}`;
          const p = pred(gameId, x.p, { model: x.model, version: x.version, eloP: x.eloP });
          const game = store.games.get(gameId) as GameRow;
          const want = expectedGraded(p, game);
          p.graded =
            x.graded === 'right'
              ? (want ?? undefined)
              : x.graded === 'wrong'
                ? gradedAs(x.p, x.eloP, 0.5)
                : undefined;
          store.predictions.set(p.id, p);
        }
        // Documents as the graded records say (what the trigger keeps), then corrupted.
        for (const p of store.predictions.values()) {
          const game = store.games.get(p.gameId) as GameRow;
          const fields = (p.graded as { fields: GradeFields } | undefined)?.fields;
          if (!fields || game.season === null) continue;
          const id = aggModelId(p.modelId, p.version, game.season);
          const data = store.aggs.get(id)?.data ?? {
            modelId: p.modelId,
            version: p.version,
            season: game.season,
          };
          for (const [k, v] of Object.entries(fields)) data[k] = ((data[k] as number | undefined) ?? 0) + v;
          store.aggs.set(id, { data, updatedMs: OLD });
        }
        const ids = [...store.aggs.keys()];
        for (const [i, by] of s.corruptions) {
          const agg = ids.length > 0 ? store.aggs.get(ids[i % ids.length] as string) : undefined;
          if (agg) agg.data.brierSum = ((agg.data.brierSum as number | undefined) ?? 0) + by;
        }

        const paged = new ModelAggPlanner({ nowMs: NOW, settleMs: SETTLE });
        const whole = new ModelAggPlanner({ nowMs: NOW, settleMs: SETTLE });
        const ordered = [...store.predictions.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
        for (let i = 0; i < ordered.length; i += s.pageSize)
          paged.addPredictions(ordered.slice(i, i + s.pageSize), store.games);
        whole.addPredictions(ordered, store.games);
        for (const [id, agg] of store.aggs) {
          paged.addStored(id, agg.data, agg.updatedMs);
          whole.addStored(id, agg.data, agg.updatedMs);
        }
        expect(paged.plan()).toEqual(whole.plan());

        reconcileInMemory(store, s.pageSize);
        expectConsistent(store);
        // The next run (past the settle window of this one's writes) finds nothing.
        const again = reconcileInMemory(store, s.pageSize, NOW + SETTLE);
        expect([again.plan.work, again.plan.skippedRecent]).toEqual([[], 0]);
      }),
      { numRuns: 300 },
    );
  });
});
