/**
 * npm run job -- NAME
 * Runs a scheduled function now in the running emulators (they never fire schedules by themselves).
 * The Functions emulator serves each scheduled function at `NAME-<generation>`: every reload of the
 * triggers (after the seed or a test pauses them) disables that key and adds the next generation's,
 * and a disabled key answers 204 without running anything. So the job walks the generations to the
 * live one, and only a 2xx with a body from the function itself counts as "ran".
 */
import { emulatorPorts, projectId } from './lib/paths';

const REGION = 'us-central1';
const DISABLED = 204;

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
    throw new Error('usage: npm run job -- FUNCTION_NAME (e.g. ledgerCleanup)');
  const base = `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/${REGION}/${name}`;
  for (let generation = 0; ; generation++) {
    let res: Response;
    try {
      res = await fetch(`${base}-${generation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    } catch (err) {
      throw new Error(`The Functions emulator is not reachable (is \`npm start\` running?): ${String(err)}`);
    }
    const text = await res.text();
    if (res.status === DISABLED) continue;
    if (res.status === 404) {
      throw new Error(
        generation === 0
          ? `${name} is not a scheduled function of this project`
          : `${name} is disabled: the emulator's background triggers are paused (a seed or test is running)`,
      );
    }
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status} ${text}`);
    console.log(`${name}: ran (HTTP ${res.status})${text ? ` ${text}` : ''}`);
    return;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
