/**
 * npm start: build, start Redis + the Upstash REST server + the Stripe fake + the Firebase emulators
 * (Functions, Firestore, Auth, Pub/Sub, Hosting), print the URLs, and stop everything on Ctrl-C.
 *
 * How it stops. Once the stack is up, Ctrl-C saves the emulator data (firebase-tools' export to
 * .cache/emulator-data, 2-4 s) and stops everything in order. Everything is killed at once, keeping
 * the data saved last time, when the export and shutdown take longer than EXPORT_DEADLINE_MS, on a
 * second Ctrl-C, when the terminal closes (SIGHUP), and on Ctrl-C before the stack is up (a seed cut
 * short is not worth saving; the next start finishes it). Every process started here is also
 * watched by scripts/lib/watchdog.ts, which kills them if this process is killed (SIGKILL) or
 * crashes, so none outlives it holding a port.
 */
import { SetupError } from './lib/emulators';
import { EMULATORS, removeDiscoveryManifest, spawnFirebase } from './lib/firebase';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, emulatorPorts, projectId, repoRoot } from './lib/paths';
import { exitOf, guard, isListening, run, stopGroup, waitFor } from './lib/process';
import { startSupportStack, type SupportStack } from './lib/stack';
import { seed } from './seed';

/** The export normally takes 2-4 s (58 MB); under load (a seed, triggers running) it can take 30 s. */
const EXPORT_DEADLINE_MS = 10_000;
const METADATA = 'firebase-export-metadata.json';
const dataDir = join(cacheDir, 'emulator-data');

// A closed terminal makes every write fail (EIO): never let that end us before the children.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const log = (line: string): void => console.log(`[start] ${line}`);

/**
 * firebase-tools exports into `firebase-export-<ms>…` in the working directory, then swaps it in for
 * the data folder; an export cut short leaves it behind. A complete one (it has its metadata file)
 * replaces a data folder the swap already removed; anything else from this run is deleted.
 */
function settleExports(since: number): void {
  for (const name of readdirSync(repoRoot)) {
    const made = /^firebase-export-(\d{13})/.exec(name)?.[1];
    if (made === undefined || Number(made) < since) continue;
    const dir = join(repoRoot, name);
    if (existsSync(join(dir, METADATA)) && !existsSync(join(dataDir, METADATA))) {
      rmSync(dataDir, { recursive: true, force: true });
      renameSync(dir, dataDir);
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  /** Kills everything we started, at once, and exits (the watchdog's job, asked for now). */
  const stopNow = async (message?: string): Promise<never> => {
    await guard().killAll();
    settleExports(started);
    if (message) log(message);
    process.exit(130);
  };
  let onSignal = (): void => void stopNow('Stopped.');
  // One Ctrl-C can arrive twice (from the terminal, and relayed by tsx if we answer it late).
  let lastSignal = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (Date.now() - lastSignal < 200) return;
      lastSignal = Date.now();
      onSignal();
    });
  }
  process.on('SIGHUP', () => void stopNow());

  log('Building functions and hosting…');
  await run('npm', ['run', 'build'], { cwd: repoRoot });
  const stack: SupportStack = await startSupportStack(log);
  removeDiscoveryManifest(); // one a killed test run left would hide functions added since
  // Emulator data persists across starts in .cache/emulator-data (imported if present, exported on exit).
  const { child, notes } = spawnFirebase([
    'emulators:start',
    '--only',
    EMULATORS,
    ...(existsSync(join(dataDir, METADATA)) ? ['--import', dataDir] : []),
    '--export-on-exit',
    dataDir,
  ]);
  notes.forEach(log);

  let ready = false;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const from = Date.now();
      log(
        ready
          ? 'Stopping: saving the emulator data, then stopping everything (Ctrl-C again: stop at once, unsaved)…'
          : 'Stopping…',
      );
      await stopGroup(child, ready ? EXPORT_DEADLINE_MS : 0);
      await stack.stop();
      settleExports(started);
      log(`Stopped in ${((Date.now() - from) / 1000).toFixed(1)} s.`);
    })();
    return stopping;
  };
  onSignal = () =>
    stopping
      ? void stopNow('Stopped at once (the emulator data of this session is not saved).')
      : void stop();

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
    const interrupted = stopping !== undefined;
    await stop();
    if (interrupted) return 130;
    throw err;
  }
  if (!process.argv.includes('--no-seed')) {
    log('Seeding the demo data (first start ~45 s; later starts reuse .cache/emulator-data)…');
    try {
      await seed((line) => log(`seed: ${line}`));
    } catch (err) {
      // Nothing may outlive a failed start: the emulators, Redis and the Upstash server go too.
      const interrupted = stopping !== undefined;
      await stop();
      if (interrupted) return 130;
      throw err;
    }
  }
  if (stopping) {
    await stopping;
    return 130;
  }
  ready = true;
  const base = `http://127.0.0.1`;
  const pid = projectId();
  console.log(
    [
      '',
      `AI Sports Edge is running (${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C saves the data and stops everything.`,
      `  Web app           ${base}:${hosting}/`,
      `  API (via Hosting) ${base}:${hosting}/api/v1/health`,
      `  API (direct)      ${base}:${functionsPort}/${pid}/us-central1/api/v1/health`,
      `  Firestore         ${base}:${ports.firestore ?? 8080}`,
      `  Auth              ${base}:${ports.auth ?? 9099}`,
      `  Pub/Sub           ${base}:${ports.pubsub ?? 8085}`,
      `  Upstash REST      ${stack.upstashUrl} (token ${stack.upstashToken})`,
      `  Stripe fake       ${stack.stripeUrl} (events signed to /stripeWebhook; state at ${stack.stripeUrl}/_fake/state)`,
      `  Alert webhook     ${stack.alertReceiverUrl} (prints what the alert webhook gets; GET _received)`,
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
