import type { ChildProcess } from 'node:child_process';
import { commandExists, freePort, isListening, spawnGroup, stopGroup, waitFor } from './process';
import { SetupError } from './emulators';

export interface RedisHandle {
  url: string;
  /** True when we started a private redis-server (and will stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

/**
 * REDIS_URL if given; else a private redis-server on a free port with no persistence; else a
 * one-line explanation of how to install one.
 */
export async function ensureRedis(): Promise<RedisHandle> {
  const given = process.env.REDIS_URL;
  if (given) return { url: given, owned: false, stop: () => Promise.resolve() };
  if (!commandExists('redis-server')) {
    throw new SetupError(
      'redis-server not found: install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:port.',
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawnGroup(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(() => isListening(port), `redis-server on port ${port}`, 10_000);
  return { url: `redis://127.0.0.1:${port}`, owned: true, stop: () => stopGroup(child, 3_000) };
}
