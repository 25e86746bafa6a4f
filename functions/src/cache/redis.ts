/**
 * The Upstash Redis client for this instance: created lazily on first use (no I/O at module scope),
 * with a per-call timeout and one quick retry, since Redis is a cache and must never hold up a
 * request for long. Callers treat every failure as a miss (fail open).
 */
import { Redis } from '@upstash/redis';
import type { RedisConfig } from '../config';

export function createRedis(config: RedisConfig): Redis {
  return new Redis({
    url: config.url,
    token: config.token,
    // One retry on connection errors only (HTTP errors are never retried by the client).
    retry: { retries: 1, backoff: () => 20 },
    // A function gives a fresh signal per request; an abort rejects the call.
    signal: () => AbortSignal.timeout(config.timeoutMs),
    enableTelemetry: false,
  });
}

/** Ping that rejects with an Error (the client rejects with a bare abort reason on timeout). */
export async function pingRedis(redis: Redis): Promise<void> {
  try {
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
  } catch (err) {
    throw err instanceof Error ? err : new Error(`redis: ${String(err)}`);
  }
}
