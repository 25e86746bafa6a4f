import { gameChange, outcome, type GameFacts } from '../../../src/domain/game-changes';

const scheduled: GameFacts = {
  sport: 'nfl',
  date: '2017-09-10',
  season: 2017,
  homeTeam: 'MIA',
  awayTeam: 'TB',
  neutral: false,
  playoff: false,
  final: false,
  homeScore: null,
  awayScore: null,
};
const final = (home: number, away: number, over: Partial<GameFacts> = {}): GameFacts => ({
  ...scheduled,
  ...over,
  final: true,
  homeScore: home,
  awayScore: away,
});

describe('what a write to a game changes downstream', () => {
  it('a game going final recomputes ratings from its date, with the outcome for grading', () => {
    expect(gameChange(scheduled, final(20, 17))).toEqual({
      sport: 'nfl',
      ratingsFrom: '2017-09-10',
      inputsChanged: false,
      outcomeBefore: null,
      outcomeAfter: 1,
    });
  });

  it('a final moved to another date recomputes from the earlier of the two dates', () => {
    const moved = gameChange(final(20, 17, { date: '2017-11-19' }), final(20, 17));
    expect(moved.ratingsFrom).toBe('2017-09-10');
    expect(gameChange(final(20, 17), final(20, 17, { date: '2017-11-19' })).ratingsFrom).toBe('2017-09-10');
  });

  it('a score corrected, a result reverted or a final deleted recomputes; the outcomes say what to regrade', () => {
    expect(gameChange(final(20, 17), final(17, 20))).toMatchObject({
      ratingsFrom: '2017-09-10',
      outcomeBefore: 1,
      outcomeAfter: 0,
    });
    expect(gameChange(final(20, 17), scheduled)).toMatchObject({
      ratingsFrom: '2017-09-10',
      outcomeAfter: null,
    });
    expect(gameChange(final(20, 17), null)).toMatchObject({ sport: 'nfl', ratingsFrom: '2017-09-10' });
    // A score change that keeps the winner still moves ratings (margin of victory counts).
    expect(gameChange(final(20, 17), final(27, 17))).toMatchObject({
      ratingsFrom: '2017-09-10',
      outcomeAfter: 1,
    });
  });

  it('a scheduled game’s inputs changing (a postponement, a new site) only needs new prediction keys', () => {
    expect(gameChange(scheduled, { ...scheduled, date: '2017-11-19' })).toMatchObject({
      ratingsFrom: null,
      inputsChanged: true,
    });
    expect(gameChange(scheduled, { ...scheduled, neutral: true }).inputsChanged).toBe(true);
    expect(gameChange(null, scheduled)).toMatchObject({ ratingsFrom: null, inputsChanged: true });
  });

  it('a write that changes nothing an input or a rating depends on does nothing (the loop guard)', () => {
    expect(gameChange(scheduled, { ...scheduled })).toEqual({
      sport: 'nfl',
      ratingsFrom: null,
      inputsChanged: false,
      outcomeBefore: null,
      outcomeAfter: null,
    });
    expect(gameChange(final(20, 17), final(20, 17)).ratingsFrom).toBeNull();
    expect(gameChange(null, null)).toMatchObject({ sport: null, ratingsFrom: null, inputsChanged: false });
  });

  it('outcome: 1 home win, 0 away win, 0.5 tie, null unless final with both scores', () => {
    expect([outcome(final(1, 0)), outcome(final(0, 1)), outcome(final(3, 3))]).toEqual([1, 0, 0.5]);
    expect(outcome(scheduled)).toBeNull();
    expect(outcome({ ...scheduled, final: true })).toBeNull();
    expect(outcome(null)).toBeNull();
  });
});
