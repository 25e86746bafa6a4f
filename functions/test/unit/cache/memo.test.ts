import { Memo } from '../../../src/cache/memo';

const later = <V>(value: V) => new Promise<V>((r) => setTimeout(() => r(value), 5));

describe('Memo', () => {
  it('loads a key once for concurrent callers and keeps it for the TTL, null included', async () => {
    let now = 0;
    const memo = new Memo<string[] | null>(1e6, 1_000, () => now);
    let loads = 0;
    const load = () => {
      loads += 1;
      return later(null);
    };
    expect(await Promise.all([memo.get('k', load, () => 10), memo.get('k', load, () => 10)])).toEqual([
      null,
      null,
    ]);
    await memo.get('k', load, () => 10);
    expect(loads).toBe(1);
    now = 1_001;
    await memo.get('k', load, () => 10);
    expect(loads).toBe(2);
  });

  it('forgets a key or everything, and does not keep a failed load', async () => {
    const memo = new Memo<number>(1e6, 60_000);
    let n = 0;
    const load = () => later((n += 1));
    await expect(
      memo.get(
        'a',
        () => Promise.reject(new Error('boom')),
        () => 1,
      ),
    ).rejects.toThrow('boom');
    expect(await memo.get('a', load, () => 1)).toBe(1);
    memo.delete('a');
    expect(await memo.get('a', load, () => 1)).toBe(2);
    await memo.get('b', load, () => 1);
    memo.clear();
    expect(memo.stats().entries).toBe(0);
  });
});
