import {
  CounterWindow,
  minuteOf,
  sumMinutes,
  type MinuteCounters,
} from '../../../src/domain/service-counters';

const T0 = Date.parse('2026-11-30T14:05:10Z');

describe('CounterWindow', () => {
  it('counts answers by minute: requests, 5xx, 429 and the cache level each carried', () => {
    let now = T0;
    const w = new CounterWindow(() => now);
    w.request(200, 'l1');
    w.request(200, 'miss');
    w.request(503);
    w.request(429);
    w.request(404, 'not-a-level');
    w.inference(3, 12.5);
    now += 60_000;
    w.request(200, 'l2');
    const [first, second] = w.take();
    expect(first).toEqual({
      minute: '2026-11-30T14:05Z',
      requests: 5,
      errors5xx: 1,
      cache: { l1: 1, l2: 0, l3: 0, miss: 1 },
      inferences: 3,
      inferenceMs: 12.5,
      rateLimited: 1,
    });
    expect(second).toMatchObject({ minute: '2026-11-30T14:06Z', requests: 1, cache: { l2: 1 } });
  });

  it('a take gives each changed minute with its whole count, so writing it again counts nothing twice', () => {
    const w = new CounterWindow(() => T0);
    w.request(200);
    expect(w.take().map((m) => m.requests)).toEqual([1]);
    expect(w.take()).toEqual([]); // nothing new: nothing to write
    w.request(200);
    // The minute's document is set to 2, not incremented by 1.
    expect(w.take().map((m) => m.requests)).toEqual([2]);
  });

  it('minutes given back after a failed flush are written by the next one, counts included', () => {
    const w = new CounterWindow(() => T0);
    w.request(200);
    const failed = w.take();
    w.request(500);
    w.untake(failed);
    expect(w.pending()).toBe(true);
    expect(w.take()).toEqual([expect.objectContaining({ requests: 2, errors5xx: 1 })]);
  });

  it('forgets minutes older than it keeps once taken, so memory stays bounded', () => {
    let now = T0;
    const w = new CounterWindow(() => now, 5 * 60_000);
    w.request(200);
    w.take();
    now += 10 * 60_000;
    w.request(200);
    w.untake([{ ...w.take()[0]!, minute: minuteOf(T0) }]); // the old minute is gone: not revived
    expect(w.take()).toEqual([]);
  });
});

describe('sumMinutes', () => {
  const doc = (minute: string, requests: number, l1 = 0): MinuteCounters => ({
    minute,
    requests,
    errors5xx: 0,
    cache: { l1, l2: 0, l3: 0, miss: 0 },
    inferences: 0,
    inferenceMs: 0,
    rateLimited: 0,
  });

  it('adds the instances of each minute, fills the hour with zeros and totals it', () => {
    const to = Date.parse('2026-11-30T15:00:30Z');
    const from = to - 59 * 60_000;
    const out = sumMinutes(
      [
        doc('2026-11-30T14:30Z', 3, 2),
        doc('2026-11-30T14:30Z', 4, 1), // another instance, same minute
        doc('2026-11-30T15:00Z', 1),
        doc('2026-11-30T13:00Z', 100), // before the hour: left out
      ],
      from,
      to,
    );
    expect(out.minutes).toHaveLength(60);
    expect(out.minutes[0]?.minute).toBe('2026-11-30T14:01Z');
    expect(out.minutes[59]?.minute).toBe('2026-11-30T15:00Z');
    expect(out.minutes.find((m) => m.minute === '2026-11-30T14:30Z')).toMatchObject({
      requests: 7,
      cache: { l1: 3 },
    });
    expect(out.totals).toMatchObject({ requests: 8, cache: { l1: 3, l2: 0, l3: 0, miss: 0 } });
  });
});
