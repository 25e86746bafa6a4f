/**
 * npm run job -- NAME
 * Runs a scheduled function now in the running emulators (they never fire schedules by themselves):
 * the Functions emulator exposes each scheduled function at its URL with a `-0` suffix.
 */
import { emulatorPorts, projectId } from './lib/paths';

const REGION = 'us-central1';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
    throw new Error('usage: npm run job -- FUNCTION_NAME (e.g. ledgerCleanup)');
  const url = `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/${REGION}/${name}-0`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } catch (err) {
    throw new Error(`The Functions emulator is not reachable (is \`npm start\` running?): ${String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} ${text}`);
  console.log(`${name}: ran (HTTP ${res.status})${text ? ` ${text}` : ''}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
