import { Timestamp } from 'firebase-admin/firestore';
import { weeksToInvalidate } from '../../../src/services/weeks';

const game = {
  sport: 'nfl',
  season: 2017,
  kickoff: Timestamp.fromDate(new Date('2017-09-10T17:00:00Z')),
  homeTeam: 'BUF',
  awayTeam: 'NYJ',
  neutral: false,
  playoff: false,
  status: 'scheduled',
  homeScore: null,
  awayScore: null,
};
const id = 'nfl_2017-09-10_BUF_NYJ';

describe('weeksToInvalidate', () => {
  it('a created, deleted or shown-differently game makes its sport’s weeks stale', () => {
    expect(weeksToInvalidate(id, undefined, game)).toEqual(['nfl']);
    expect(weeksToInvalidate(id, game, undefined)).toEqual(['nfl']);
    expect(weeksToInvalidate(id, game, { ...game, status: 'final', homeScore: 21, awayScore: 12 })).toEqual([
      'nfl',
    ]);
    // A kickoff moved within the same day changes no model input, but the card shows it.
    const later = { ...game, kickoff: Timestamp.fromDate(new Date('2017-09-10T20:25:00Z')) };
    expect(weeksToInvalidate(id, game, later)).toEqual(['nfl']);
    // A game that stops parsing disappears from the week.
    expect(weeksToInvalidate(id, game, { ...game, homeTeam: '' })).toEqual(['nfl']);
  });

  it('a write that changes nothing shown (a console touch, an extra field) invalidates nothing', () => {
    expect(weeksToInvalidate(id, game, { ...game })).toEqual([]);
    expect(weeksToInvalidate(id, game, { ...game, note: 'checked' })).toEqual([]);
    expect(weeksToInvalidate(id, { junk: 1 }, { junk: 2 })).toEqual([]);
  });
});
