/**
 * The local stack around the Firebase emulators: Redis, the Upstash-compatible REST server over it,
 * the Stripe fake, the alert webhook receiver, and the functions' emulator-only settings
 * (functions/.env.local, .secret.local) pointing at them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_PRICES,
  STRIPE_FAKE_API_KEY,
  STRIPE_FAKE_PORT,
  STRIPE_FAKE_WEBHOOK_SECRET,
} from '../stripe-fake/constants';
import { ALERT_RECEIVER_PORT } from '../alert-receiver/server';
import { emulatorPorts, functionsDir, projectId, repoRoot } from './paths';
import { freePort, isListening, spawnGroup, stopGroup, waitFor } from './process';
import { ensureRedis } from './redis';

export const LOCAL_UPSTASH_TOKEN = 'local-dev-token';
export const DEFAULT_UPSTASH_PORT = 8079;

export interface SupportStack {
  redisUrl: string;
  upstashUrl: string;
  upstashToken: string;
  /** The Upstash server's process (its own, so tests can freeze it to simulate a dead Redis). */
  upstashPid: number;
  /** The Stripe fake (scripts/stripe-fake): the SDK's API base and the control API. */
  stripeUrl: string;
  /** The alert webhook receiver (scripts/alert-receiver): ALERT_WEBHOOK_URL points at it. */
  alertReceiverUrl: string;
  /** Stops the alert receiver, the Stripe fake and the Upstash server, then Redis (if we started it). */
  stop(): Promise<void>;
}

/** The stripeWebhook function in the Functions emulator: where the Stripe fake delivers events. */
export function webhookUrl(): string {
  return `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/us-central1/stripeWebhook`;
}

/** Spawns a TypeScript entry point of scripts/ in its own process group, watched (spawnGroup). */
function spawnScript(entry: string, args: string[], env: Record<string, string> = {}) {
  return spawnGroup(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [join(repoRoot, 'scripts', entry), ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env },
    },
  );
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

export interface SupportStackOptions {
  /** Point functions/.env.local and .secret.local at this stack (default true; the emulators read them). */
  writeEnvFiles?: boolean;
  /** Any free ports instead of the defaults (8079, 12111) where those are free (default false). */
  freePorts?: boolean;
}

export async function startSupportStack(
  log: (line: string) => void,
  options: SupportStackOptions = {},
): Promise<SupportStack> {
  const redis = await ensureRedis();
  log(`Redis: ${redis.url}${redis.owned ? ' (private redis-server, no persistence)' : ' (REDIS_URL)'}`);
  const children: ReturnType<typeof spawnScript>[] = [];
  const stopChildren = () => Promise.all(children.map((child) => stopGroup(child, 3_000)));
  const portFor = async (preferred: number) =>
    options.freePorts || (await isListening(preferred)) ? await freePort() : preferred;
  try {
    const port = await portFor(DEFAULT_UPSTASH_PORT);
    const upstash = spawnScript(
      'upstash-server/main.ts',
      ['--port', String(port), '--redis-url', redis.url],
      {
        UPSTASH_REDIS_REST_TOKEN: LOCAL_UPSTASH_TOKEN,
      },
    );
    children.push(upstash);
    await waitFor(() => isListening(port), `the Upstash REST server on port ${port}`, 20_000);
    const upstashUrl = `http://127.0.0.1:${port}`;
    log(`Upstash REST server: ${upstashUrl} (token ${LOCAL_UPSTASH_TOKEN})`);

    // The Stripe fake: the functions' stripe SDK talks to it, and it signs events to stripeWebhook.
    const stripePort = await portFor(STRIPE_FAKE_PORT);
    children.push(
      spawnScript('stripe-fake/main.ts', [
        '--port',
        String(stripePort),
        '--api-key',
        STRIPE_FAKE_API_KEY,
        '--webhook',
        webhookUrl(),
        '--webhook-secret',
        STRIPE_FAKE_WEBHOOK_SECRET,
      ]),
    );
    await waitFor(() => isListening(stripePort), `the Stripe fake on port ${stripePort}`, 20_000);
    const stripeUrl = `http://127.0.0.1:${stripePort}`;
    log(`Stripe fake: ${stripeUrl} (webhooks to ${webhookUrl()})`);

    // The alert webhook's receiver: prints what the evaluator's webhook would get.
    const alertPort = await portFor(ALERT_RECEIVER_PORT);
    children.push(spawnScript('alert-receiver/main.ts', ['--port', String(alertPort)]));
    await waitFor(() => isListening(alertPort), `the alert receiver on port ${alertPort}`, 20_000);
    const alertReceiverUrl = `http://127.0.0.1:${alertPort}/`;
    log(`Alert webhook receiver: ${alertReceiverUrl} (GET ${alertReceiverUrl}_received)`);

    if (options.writeEnvFiles ?? true) writeEnvFiles(upstashUrl, stripeUrl, alertReceiverUrl);
    return {
      redisUrl: redis.url,
      upstashUrl,
      upstashToken: LOCAL_UPSTASH_TOKEN,
      upstashPid: upstash.pid ?? 0,
      stripeUrl,
      alertReceiverUrl,
      stop: async () => {
        await stopChildren();
        await redis.stop();
      },
    };
  } catch (err) {
    await stopChildren();
    await redis.stop();
    throw err;
  }
}

/** The functions' emulator-only settings, pointing them at this stack. */
function writeEnvFiles(upstashUrl: string, stripeUrl: string, alertReceiverUrl: string): void {
  const hosting = `http://127.0.0.1:${emulatorPorts().hosting ?? 5000}`;
  const header = '# Written by scripts/lib/stack.ts for the emulators (npm start / npm test).';
  upsertDotenv(
    join(functionsDir, '.env.local'),
    {
      UPSTASH_REDIS_REST_URL: upstashUrl,
      STRIPE_API_URL: stripeUrl,
      STRIPE_PRICES: DEFAULT_PRICES.map((p) => `${p.id}:${p.tier}`).join(','),
      BILLING_RETURN_ORIGINS: `${hosting},${hosting.replace('127.0.0.1', 'localhost')}`,
      // A web app dev server (Vite's default port) may call the emulated API from another origin.
      CORS_ORIGINS: 'http://localhost:5173,http://127.0.0.1:5173',
      // The admin metrics follow within seconds locally (a minute deployed).
      METRICS_FLUSH_SECONDS: '2',
    },
    header,
  );
  upsertDotenv(
    join(functionsDir, '.secret.local'),
    {
      UPSTASH_REDIS_REST_TOKEN: LOCAL_UPSTASH_TOKEN,
      STRIPE_SECRET_KEY: STRIPE_FAKE_API_KEY,
      STRIPE_WEBHOOK_SECRET: STRIPE_FAKE_WEBHOOK_SECRET,
      ALERT_WEBHOOK_URL: alertReceiverUrl,
    },
    header,
  );
}
