import { SingleFlight } from '../../../src/cache/single-flight';

describe('SingleFlight', () => {
  it('runs one computation for concurrent callers of the same key', async () => {
    const sf = new SingleFlight<number>();
    let runs = 0;
    const compute = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 10));
      return 42;
    };
    const results = await Promise.all([sf.run('k', compute), sf.run('k', compute), sf.run('k', compute)]);
    expect(results).toEqual([42, 42, 42]);
    expect(runs).toBe(1);
    expect(sf.size).toBe(0);
  });

  it('runs different keys separately and does not cache failures', async () => {
    const sf = new SingleFlight<string>();
    await expect(sf.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await sf.run('a', () => Promise.resolve('ok'))).toBe('ok');
    expect(
      await Promise.all([sf.run('x', () => Promise.resolve('X')), sf.run('y', () => Promise.resolve('Y'))]),
    ).toEqual(['X', 'Y']);
  });
});
