import { emptyRatingState, type RatingState } from '../../../src/domain/ratings/state';
import { RatingStates, type SnapshotReader } from '../../../src/services/rating-states';

const stateOf = (date: string): RatingState => ({ ...emptyRatingState(), games: Number(date.slice(8)) });
const tick = () => new Promise((r) => setTimeout(r, 5));

/** Snapshots in memory, every read counted. `dates: null`: the sport has no index yet. */
function fakeSnapshots(dates: string[] | null) {
  const reads = { dates: 0, states: [] as string[], before: [] as string[] };
  const reader: SnapshotReader = {
    async dates() {
      reads.dates += 1;
      await tick();
      return dates;
    },
    async states(_sport, wanted) {
      reads.states.push(...wanted);
      await tick();
      return new Map(
        wanted.filter((d) => dates?.includes(d) && d !== '2017-09-99').map((d) => [d, stateOf(d)]),
      );
    },
    async before(_sport, date) {
      reads.before.push(date);
      await tick();
      return stateOf('2017-09-01');
    },
  };
  return { reader, reads };
}

const nfl = (ratingsVersion: number) => ({ sport: 'nfl', ratingsVersion });

describe('the rating state before a date', () => {
  it('is the snapshot of the latest date with finals before it, read by id', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-10', '2017-09-17']);
    const states = new RatingStates(reader);
    expect(await states.before(nfl(1), '2017-09-17')).toEqual(stateOf('2017-09-10'));
    expect(await states.before(nfl(1), '2017-09-18')).toEqual(stateOf('2017-09-17'));
    expect(reads.states).toEqual(['2017-09-10', '2017-09-17']);
    expect(reads.before).toEqual([]);
  });

  it('is empty before the first snapshot, without reading one', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-10']);
    expect(await new RatingStates(reader).before(nfl(1), '2017-09-10')).toEqual(emptyRatingState());
    expect(reads.states).toEqual([]);
  });

  it('is kept per snapshot date: the games between two dates with finals share one read', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-10', '2017-09-17']);
    const states = new RatingStates(reader);
    await Promise.all(['2017-09-11', '2017-09-14', '2017-09-17'].map((d) => states.before(nfl(1), d)));
    await states.before(nfl(1), '2017-09-12');
    expect(reads.dates).toBe(1);
    expect(reads.states).toEqual(['2017-09-10']);
    expect(states.size).toBe(1);
  });

  it('is read again, index included, under a new ratingsVersion', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-10']);
    const states = new RatingStates(reader);
    await states.before(nfl(1), '2017-09-11');
    await states.before(nfl(2), '2017-09-11');
    expect(reads.dates).toBe(2);
    expect(reads.states).toEqual(['2017-09-10', '2017-09-10']);
  });

  it('is found by query while the sport has no index, kept per date', async () => {
    const { reader, reads } = fakeSnapshots(null);
    const states = new RatingStates(reader);
    await Promise.all([states.before(nfl(1), '2017-09-11'), states.before(nfl(1), '2017-09-11')]);
    await states.before(nfl(1), '2017-09-12');
    expect(reads.before).toEqual(['2017-09-11', '2017-09-12']);
  });

  it('fails when the index names a snapshot that is missing, and is tried again next time', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-99']);
    const states = new RatingStates(reader);
    await expect(states.before(nfl(1), '2017-10-01')).rejects.toThrow(
      'rating snapshot nfl_2017-09-99 is missing',
    );
    await expect(states.before(nfl(1), '2017-10-01')).rejects.toThrow('is missing');
    expect(reads.states).toEqual(['2017-09-99', '2017-09-99']);
  });

  it('expires with the TTL', async () => {
    let now = 0;
    const { reader, reads } = fakeSnapshots(['2017-09-10']);
    const states = new RatingStates(reader, { ttlMs: 1_000, now: () => now });
    await states.before(nfl(1), '2017-09-11');
    now = 1_001;
    await states.before(nfl(1), '2017-09-11');
    expect(reads.dates).toBe(2);
    expect(reads.states).toHaveLength(2);
  });
});

describe('prefetch', () => {
  it('starts reading the state of the date in a game id, so the prediction finds it kept', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-10']);
    const states = new RatingStates(reader);
    await states.prefetch(nfl(1), 'nfl_2017-09-17_NE_KC');
    expect(reads.states).toEqual(['2017-09-10']);
    await states.before(nfl(1), '2017-09-17');
    expect(reads.states).toEqual(['2017-09-10']);
  });

  it('does nothing for an id without a date, and never fails', async () => {
    const { reader, reads } = fakeSnapshots(['2017-09-99']);
    const states = new RatingStates(reader);
    await expect(states.prefetch(nfl(1), 'custom-id')).resolves.toBeUndefined();
    await expect(states.prefetch(nfl(1), 'nfl_2017-10-01_NE_KC')).resolves.toBeUndefined();
    expect(reads.dates).toBe(1);
  });
});
