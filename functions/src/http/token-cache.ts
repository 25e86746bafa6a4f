/**
 * Verified ID tokens, remembered per instance until shortly before they expire (at most 5 minutes),
 * so a signed-in user's requests do not each pay for signature verification (in production) or for
 * the Auth emulator's revocation lookup (locally, ~1.5 ms). Same semantics as verifyIdToken without
 * `checkRevoked`: a revoked token is honoured until it expires. Keyed by the token's SHA-256.
 */
import { createHash } from 'node:crypto';
import { ByteLru } from '../cache/lru';
import type { TokenVerifier } from './middleware/auth';
import type { AuthContext } from './types';

export const TOKEN_CACHE_MAX_MS = 5 * 60_000;

/** Seconds-since-epoch `exp` claim of a JWT, or null (the verifier decides validity, not this). */
function expiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

export function cachedVerifier(
  verify: TokenVerifier,
  now: () => number = Date.now,
  maxEntries = 10_000,
): TokenVerifier {
  const cache = new ByteLru<AuthContext>(maxEntries, now);
  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get(key);
    if (hit) return hit;
    const auth = await verify(token);
    const exp = expiry(token);
    if (exp !== null) cache.set(key, auth, 1, Math.min(TOKEN_CACHE_MAX_MS, exp * 1000 - now() - 30_000));
    return auth;
  };
}
