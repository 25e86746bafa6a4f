import { ByteLru } from '../../../src/cache/lru';

describe('ByteLru', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 0;
  });

  it('returns what was stored until the TTL passes', () => {
    const lru = new ByteLru<string>(100, clock);
    lru.set('a', 'A', 10, 1000);
    expect(lru.get('a')).toBe('A');
    now = 999;
    expect(lru.get('a')).toBe('A');
    now = 1000;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.stats()).toMatchObject({ entries: 0, bytes: 0, hits: 2, misses: 1 });
  });

  it('evicts the least recently used entries to stay within the byte budget', () => {
    const lru = new ByteLru<string>(30, clock);
    lru.set('a', 'A', 10, 1e9);
    lru.set('b', 'B', 10, 1e9);
    lru.set('c', 'C', 10, 1e9);
    lru.get('a'); // a is now the most recent
    lru.set('d', 'D', 10, 1e9); // evicts b
    expect(lru.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => lru.get(k))).toEqual(['A', 'C', 'D']);
    expect(lru.stats()).toMatchObject({ bytes: 30, evictions: 1 });
  });

  it('replacing a key adjusts the byte count; an entry larger than the budget is not stored', () => {
    const lru = new ByteLru<string>(30, clock);
    lru.set('a', 'A', 10, 1e9);
    lru.set('a', 'AA', 20, 1e9);
    expect(lru.stats().bytes).toBe(20);
    lru.set('huge', 'H', 31, 1e9);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('a')).toBe('AA');
  });

  it('delete and clear free their bytes', () => {
    const lru = new ByteLru<string>(30, clock);
    lru.set('a', 'A', 10, 1e9);
    lru.set('b', 'B', 10, 1e9);
    lru.delete('a');
    expect(lru.stats()).toMatchObject({ entries: 1, bytes: 10 });
    lru.clear();
    expect(lru.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });
});
