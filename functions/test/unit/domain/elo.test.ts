import {
  DEFAULT_ELO_PARAMS,
  eloEdge,
  eloExpected,
  eloShift,
  movMultiplier,
  regressElo,
} from '../../../src/domain/ratings/elo';

const p = DEFAULT_ELO_PARAMS; // K 20, home 65, playoff x1.2, C 2.2, regression 1/3 to 1505

describe('elo (hand-computed 538-style updates)', () => {
  it('home win by 7 between equal teams', () => {
    const edge = eloEdge(p, 1500, 1500, false, false);
    expect(edge).toBe(65);
    expect(eloExpected(edge)).toBeCloseTo(0.5924662306, 9);
    // ln(8) * 2.2 / (2.2 + 0.065)
    expect(movMultiplier(p, 7, edge)).toBeCloseTo(2.0197666189, 9);
    // 20 * 2.0197666 * (1 - 0.5924662)
    expect(eloShift(p, edge, 7)).toBeCloseTo(16.4624620704, 8);
  });

  it('road upset by 3: the autocorrelation factor grows when the underdog wins', () => {
    const edge = eloEdge(p, 1550, 1500, false, false); // 115
    expect(movMultiplier(p, -3, edge)).toBeCloseTo((Math.log(4) * 2.2) / (2.2 - 0.115), 12);
    expect(eloShift(p, edge, -3)).toBeCloseTo(-19.2998449783, 8);
  });

  it('tie on a neutral site uses margin 1 and outcome 0.5', () => {
    const edge = eloEdge(p, 1500, 1600, true, false); // -100
    expect(eloShift(p, edge, 0)).toBeCloseTo(1.9417131942, 8);
  });

  it('scales the edge in the playoffs', () => {
    expect(eloEdge(p, 1600, 1500, false, true)).toBeCloseTo((100 + 65) * 1.2, 12);
    expect(eloEdge(p, 1600, 1500, true, true)).toBeCloseTo(120, 12);
  });

  it('regresses one third toward 1505 per season', () => {
    expect(regressElo(p, 1600, 1)).toBeCloseTo(1505 + (2 / 3) * 95, 10);
    expect(regressElo(p, 1600, 2)).toBeCloseTo(1505 + (4 / 9) * 95, 10);
    expect(regressElo(p, 1600, 0)).toBe(1600);
  });
});
