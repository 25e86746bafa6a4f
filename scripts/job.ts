/**
 * npm run job -- NAME
 * Runs a scheduled function now in the running emulators (they never fire schedules by themselves).
 * The Functions emulator serves each scheduled function at `NAME-<generation>`: every reload of the
 * triggers (after the seed or a test pauses them) disables the old key and adds one at the current
 * generation, and generations also advance on reloads that add nothing, so the live key's number
 * has gaps below it. A disabled key answers 204 and an unused one 404, both without running
 * anything; the job probes generations in parallel batches and the one live key runs the function.
 */
import { emulatorPorts, projectId } from './lib/paths';

const REGION = 'us-central1';
const DISABLED = 204;
const BATCH = 64;
const MAX_GENERATION = 4096;

async function post(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    throw new Error(`The Functions emulator is not reachable (is \`npm start\` running?): ${String(err)}`);
  }
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
    throw new Error('usage: npm run job -- FUNCTION_NAME (e.g. ledgerCleanup)');
  const base = `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/${REGION}/${name}`;
  let seen = false;
  for (let first = 0; first < MAX_GENERATION; first += BATCH) {
    const answers = await Promise.all(Array.from({ length: BATCH }, (_, i) => post(`${base}-${first + i}`)));
    seen ||= answers.some((a) => a.status === DISABLED);
    const ran = answers.find((a) => a.status !== DISABLED && a.status !== 404);
    if (!ran) continue;
    if (ran.status >= 300) throw new Error(`${name}: HTTP ${ran.status} ${ran.text}`);
    console.log(`${name}: ran (HTTP ${ran.status})${ran.text ? ` ${ran.text}` : ''}`);
    return;
  }
  throw new Error(
    seen
      ? `${name} is disabled: the emulator's background triggers are paused (a seed or test is running)`
      : `${name} is not a scheduled function of this project`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
