/**
 * npm run job -- NAME
 * Runs a scheduled function now in the running emulators (they never fire schedules by themselves).
 * The Functions emulator serves each scheduled function at `NAME-<generation>`: every reload of the
 * triggers (after the seed or a test pauses them) disables the old key, which then answers 204
 * without running anything, and adds one at the current generation. The live key is the highest;
 * the emulator lists every key in its 404 for a name it does not know, so the job asks for one.
 */
import { emulatorPorts, projectId } from './lib/paths';

const REGION = 'us-central1';
const DISABLED = 204;

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
  const base = `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/${REGION}`;
  const listing = await post(`${base}/--list-triggers--`);
  const generations = [...listing.text.matchAll(new RegExp(`\\b${REGION}-${name}-(\\d+)\\b`, 'g'))].map((m) =>
    Number(m[1]),
  );
  if (generations.length === 0) throw new Error(`${name} is not a scheduled function of this project`);
  const ran = await post(`${base}/${name}-${Math.max(...generations)}`);
  if (ran.status === DISABLED)
    throw new Error(
      `${name} is disabled: the emulator's background triggers are paused (a seed or test is running)`,
    );
  if (ran.status >= 300) throw new Error(`${name}: HTTP ${ran.status} ${ran.text}`);
  console.log(`${name}: ran (HTTP ${ran.status})${ran.text ? ` ${ran.text}` : ''}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
