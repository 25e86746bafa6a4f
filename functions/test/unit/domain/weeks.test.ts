import { footballDay, weekBounds, weekOf, weekOfKickoff } from '../../../src/domain/weeks';

describe('weekOf', () => {
  it('runs Tuesday to Monday', () => {
    // 2017-09-05 was a Tuesday; the 2017 opener (Thursday 7 September) and that Sunday and Monday share it.
    for (const day of ['2017-09-05', '2017-09-07', '2017-09-10', '2017-09-11'])
      expect(weekOf(day)).toEqual({ from: '2017-09-05', to: '2017-09-11' });
    expect(weekOf('2017-09-12')).toEqual({ from: '2017-09-12', to: '2017-09-18' });
  });

  it('crosses months and years', () => {
    expect(weekOf('2018-01-01')).toEqual({ from: '2017-12-26', to: '2018-01-01' });
  });
});

describe('kickoffs', () => {
  it('a Monday night game that starts after midnight UTC belongs to Monday', () => {
    const mondayNight = new Date('2017-09-12T00:20:00Z'); // 8:20 pm Eastern, Monday 11 September
    expect(footballDay(mondayNight)).toBe('2017-09-11');
    expect(weekOfKickoff(mondayNight)).toEqual({ from: '2017-09-05', to: '2017-09-11' });
  });

  it('the bounds hold every kickoff of the week and none of the next', () => {
    const { start, end } = weekBounds(weekOf('2017-09-07'));
    const inWeek = ['2017-09-08T00:30:00Z', '2017-09-10T17:00:00Z', '2017-09-12T02:15:00Z'];
    for (const k of inWeek) expect(weekOfKickoff(new Date(k)).from).toBe('2017-09-05');
    for (const k of inWeek) expect(new Date(k) >= start && new Date(k) < end).toBe(true);
    expect(new Date('2017-09-14T00:25:00Z') >= end).toBe(true); // the next Thursday night game
  });
});
