/**
 * The local stack around the Firebase emulators: Redis, the Upstash-compatible REST server over it,
 * and the functions' emulator-only settings (functions/.env.local, .secret.local) pointing at them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionsDir, repoRoot } from './paths';
import { freePort, isListening, stopGroup, waitFor } from './process';
import { ensureRedis } from './redis';

export const LOCAL_UPSTASH_TOKEN = 'local-dev-token';
export const DEFAULT_UPSTASH_PORT = 8079;

export interface SupportStack {
  redisUrl: string;
  upstashUrl: string;
  upstashToken: string;
  /** The Upstash server's process (its own, so tests can freeze it to simulate a dead Redis). */
  upstashPid: number;
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
    const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
    const child = spawn(
      tsx,
      [
        join(repoRoot, 'scripts', 'upstash-server', 'main.ts'),
        '--port',
        String(port),
        '--redis-url',
        redis.url,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
        env: { ...process.env, UPSTASH_REDIS_REST_TOKEN: LOCAL_UPSTASH_TOKEN },
      },
    );
    await waitFor(() => isListening(port), `the Upstash REST server on port ${port}`, 20_000);
    const upstash = { url: `http://127.0.0.1:${port}`, close: () => stopGroup(child, 3_000) };
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
      upstashPid: child.pid ?? 0,
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
