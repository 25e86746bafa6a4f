import { SingleFlight } from '../../../src/cache/single-flight';

const later = <V>(value: V) => new Promise<V>((r) => setTimeout(() => r(value), 5));

describe('SingleFlight.runMany', () => {
  it('computes the keys no flight holds in one call, joins the others, and answers in order', async () => {
    const sf = new SingleFlight<string>();
    const calls: string[][] = [];
    const compute = (keys: string[]) => {
      calls.push(keys);
      return later(keys.map((k) => k.toUpperCase()));
    };
    const one = sf.run('b', () => later('B from run'));
    const many = sf.runMany(['a', 'b', 'c', 'a'], compute);
    const joined = sf.run('c', () => later('never'));
    expect(await many).toEqual(['A', 'B from run', 'C', 'A']);
    expect(await one).toBe('B from run');
    expect(await joined).toBe('C');
    expect(calls).toEqual([['a', 'c']]);
    expect(sf.size).toBe(0);
  });

  it('rejects every owned key when the call fails, and forgets them', async () => {
    const sf = new SingleFlight<string>();
    const failing = sf.runMany(['a', 'b'], () => Promise.reject(new Error('boom')));
    const joined = sf.run('b', () => later('never'));
    await expect(failing).rejects.toThrow('boom');
    await expect(joined).rejects.toThrow('boom');
    expect(sf.size).toBe(0);
    expect(await sf.runMany(['a'], (keys) => later(keys))).toEqual(['a']);
  });
});
