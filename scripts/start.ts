/**
 * npm start: build, start Redis + the Upstash REST server + the Firebase emulators (Functions,
 * Firestore, Auth, Pub/Sub, Hosting), print the URLs, and stop everything on Ctrl-C.
 */
import { SetupError } from './lib/emulators';
import { EMULATORS, spawnFirebase } from './lib/firebase';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, emulatorPorts, projectId, repoRoot } from './lib/paths';
import { exitOf, isListening, run, stopGroup, waitFor } from './lib/process';
import { startSupportStack, type SupportStack } from './lib/stack';
import { seed } from './seed';

const log = (line: string): void => console.log(`[start] ${line}`);

async function main(): Promise<number> {
  const started = Date.now();
  log('Building functions and hosting…');
  await run('npm', ['run', 'build'], { cwd: repoRoot });
  const stack: SupportStack = await startSupportStack(log);
  // Emulator data persists across starts in .cache/emulator-data (imported if present, exported on exit).
  const dataDir = join(cacheDir, 'emulator-data');
  const { child, notes } = spawnFirebase([
    'emulators:start',
    '--only',
    EMULATORS,
    ...(existsSync(join(dataDir, 'firebase-export-metadata.json')) ? ['--import', dataDir] : []),
    '--export-on-exit',
    dataDir,
  ]);
  notes.forEach(log);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log('Stopping…');
      await stopGroup(child, 60_000);
      await stack.stop();
      log('Stopped.');
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop());

  const ports = emulatorPorts();
  const hosting = ports.hosting ?? 5000;
  const functionsPort = ports.functions ?? 5001;
  try {
    await Promise.race([
      waitFor(
        async () =>
          (await apiAnswers(`http://127.0.0.1:${functionsPort}/${projectId()}/us-central1/api`)) &&
          (await isListening(hosting)),
        'the emulators and the api function',
        180_000,
        500,
      ),
      exitOf(child).then((code) => {
        throw new Error(`firebase emulators exited early (code ${code}); see the output above`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  if (!process.argv.includes('--no-seed')) {
    log('Seeding the demo data (first start ~45 s; later starts reuse .cache/emulator-data)…');
    try {
      await seed((line) => log(`seed: ${line}`));
    } catch (err) {
      // Nothing may outlive a failed start: the emulators, Redis and the Upstash server go too.
      await stop();
      throw err;
    }
  }
  const base = `http://127.0.0.1`;
  const pid = projectId();
  console.log(
    [
      '',
      `AI Sports Edge is running (${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
      `  Web app           ${base}:${hosting}/`,
      `  API (via Hosting) ${base}:${hosting}/api/v1/health`,
      `  API (direct)      ${base}:${functionsPort}/${pid}/us-central1/api/v1/health`,
      `  Firestore         ${base}:${ports.firestore ?? 8080}`,
      `  Auth              ${base}:${ports.auth ?? 9099}`,
      `  Pub/Sub           ${base}:${ports.pubsub ?? 8085}`,
      `  Upstash REST      ${stack.upstashUrl} (token ${stack.upstashToken})`,
      `  Stripe fake       ${stack.stripeUrl} (events signed to /stripeWebhook; state at ${stack.stripeUrl}/_fake/state)`,
      `  Redis             ${stack.redisUrl}`,
      '  Token for curl:   npm run --silent token -- --email you@example.com [--admin]',
      '  Run a scheduled job: npm run job -- ledgerCleanup',
      '  Subscribe locally: POST /api/v1/billing/checkout {"priceId":"price_pro_monthly"} with the token, then',
      `    npm run stripe -- pay --email you@example.com${stack.stripeUrl.endsWith(':12111') ? '' : ` --fake-url ${stack.stripeUrl}`}   (also cancel, fail-payment, recover)`,
      '',
    ].join('\n'),
  );
  const code = await exitOf(child);
  await stop();
  return code;
}

async function apiAnswers(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/v1/health`);
    // 429: the health check is metered like every /v1 route, and an answer is an answer.
    return res.status === 200 || res.status === 503 || res.status === 429;
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof SetupError ? `[start] ${err.message}` : err);
    process.exit(1);
  },
);
