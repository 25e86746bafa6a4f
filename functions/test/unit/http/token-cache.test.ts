import { cachedVerifier, TOKEN_CACHE_MAX_MS } from '../../../src/http/token-cache';
import type { AuthContext } from '../../../src/http/types';

const jwt = (exp: number) =>
  ['e30', Buffer.from(JSON.stringify({ exp })).toString('base64url'), 'sig'].join('.');

describe('cachedVerifier', () => {
  let now = 1_000_000_000_000;
  let calls = 0;
  const verify = (token: string): Promise<AuthContext> => {
    calls += 1;
    if (token.endsWith('bad'))
      return Promise.reject(Object.assign(new Error('bad'), { code: 'auth/argument-error' }));
    return Promise.resolve({ uid: `u-${token.length}`, roles: [] });
  };
  beforeEach(() => {
    calls = 0;
  });

  it('verifies a token once and answers later requests from memory', async () => {
    const v = cachedVerifier(verify, () => now);
    const token = jwt(now / 1000 + 3600);
    const first = await v(token);
    expect(await v(token)).toEqual(first);
    expect(calls).toBe(1);
  });

  it('verifies again after the cache lifetime, and never trusts a token past its expiry', async () => {
    const v = cachedVerifier(verify, () => now);
    const longLived = jwt(now / 1000 + 3600);
    await v(longLived);
    now += TOKEN_CACHE_MAX_MS + 1;
    await v(longLived);
    expect(calls).toBe(2);
    const expiring = jwt(now / 1000 + 20); // expires within the 30 s safety margin: not cached
    await v(expiring);
    await v(expiring);
    expect(calls).toBe(4);
  });

  it('does not cache rejections', async () => {
    const v = cachedVerifier(verify, () => now);
    await expect(v('x.bad')).rejects.toThrow('bad');
    await expect(v('x.bad')).rejects.toThrow('bad');
    expect(calls).toBe(2);
  });
});
