/**
 * The local stack around the Firebase emulators: Redis, the Upstash-compatible REST server over it,
 * and the functions' emulator-only settings (functions/.env.local, .secret.local) pointing at them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUpstashServer } from '../upstash-server/server';
import { functionsDir } from './paths';
import { freePort, isListening } from './process';
import { ensureRedis } from './redis';

export const LOCAL_UPSTASH_TOKEN = 'local-dev-token';
export const DEFAULT_UPSTASH_PORT = 8079;

export interface SupportStack {
  redisUrl: string;
  upstashUrl: string;
  upstashToken: string;
  /** Stops the Upstash server, then Redis (if we started it). */
  stop(): Promise<void>;
}

/** Sets KEY=value lines in a dotenv file, keeping any other lines the developer put there. */
export function upsertDotenv(path: string, values: Record<string, string>, header: string): void {
  const kept = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== header && !Object.keys(values).some((key) => line.startsWith(`${key}=`)))
    : [];
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  const ours = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  writeFileSync(path, [header, ...ours, ...kept, ''].join('\n'));
}

export async function startSupportStack(log: (line: string) => void): Promise<SupportStack> {
  const redis = await ensureRedis();
  log(`Redis: ${redis.url}${redis.owned ? ' (private redis-server, no persistence)' : ' (REDIS_URL)'}`);
  try {
    const port = (await isListening(DEFAULT_UPSTASH_PORT)) ? await freePort() : DEFAULT_UPSTASH_PORT;
    const upstash = await createUpstashServer({ redisUrl: redis.url, token: LOCAL_UPSTASH_TOKEN, port });
    log(`Upstash REST server: ${upstash.url} (token ${LOCAL_UPSTASH_TOKEN})`);
    const header = '# Written by scripts/lib/stack.ts for the emulators (npm start / npm test).';
    upsertDotenv(join(functionsDir, '.env.local'), { UPSTASH_REDIS_REST_URL: upstash.url }, header);
    upsertDotenv(
      join(functionsDir, '.secret.local'),
      { UPSTASH_REDIS_REST_TOKEN: LOCAL_UPSTASH_TOKEN },
      header,
    );
    return {
      redisUrl: redis.url,
      upstashUrl: upstash.url,
      upstashToken: LOCAL_UPSTASH_TOKEN,
      stop: async () => {
        await upstash.close();
        await redis.stop();
      },
    };
  } catch (err) {
    await redis.stop();
    throw err;
  }
}
