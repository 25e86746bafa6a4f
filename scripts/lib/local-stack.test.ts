import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJavaMajor } from './emulators';
import { isListening, killTree, livePids, processTree, spawnGroup, stopGroup, waitFor } from './process';
import { upsertDotenv } from './stack';

describe('upsertDotenv', () => {
  const header = '# generated';
  const file = () => join(mkdtempSync(join(tmpdir(), 'dotenv-')), '.env.local');

  it('writes the values under a header into a new file', () => {
    const path = file();
    upsertDotenv(path, { A: '1', B: 'http://x' }, header);
    expect(readFileSync(path, 'utf8')).toBe('# generated\nA=1\nB=http://x\n');
  });

  it("replaces its own keys and keeps the developer's other lines", () => {
    const path = file();
    writeFileSync(path, 'MY_FLAG=on\nA=old\n# my note\n');
    upsertDotenv(path, { A: 'new' }, header);
    upsertDotenv(path, { A: 'newer' }, header);
    expect(readFileSync(path, 'utf8')).toBe('# generated\nA=newer\nMY_FLAG=on\n# my note\n');
  });
});

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('no java here')).toBeNull();
  });
});

/** Resolves with the first line a child writes on stdout. */
function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) done(text.slice(0, text.indexOf('\n')));
    });
    stream.once('end', () => fail(new Error(`no line from the child (got ${JSON.stringify(text)})`)));
  });
}

// Like firebase-tools and its Java emulators: a process group whose child runs in a session of its own.
const EMULATOR_LIKE = ['-c', 'setsid sleep 600 & echo $!; wait'];

describe('stopGroup', () => {
  it('also stops descendants that left the group (the emulators run Java in sessions of their own)', async () => {
    const child = spawnGroup('sh', EMULATOR_LIKE, { stdio: ['ignore', 'pipe', 'inherit'] });
    const grandchild = Number(await firstLine(child.stdout!));
    expect(livePids([grandchild])).toEqual([grandchild]);
    await stopGroup(child, 1_000);
    await waitFor(
      () => Promise.resolve(livePids([grandchild]).length === 0),
      'the grandchild to go',
      3_000,
    ).catch(() => {
      killTree([grandchild]);
      throw new Error(`stopGroup left pid ${grandchild} (the session-of-its-own grandchild) running`);
    });
  });
});

describe('the local stack when its parent is killed hard', () => {
  it('leaves no child behind, not even an orphaned grandchild, and frees every port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-parent-'));
    const main = join(dir, 'parent.ts');
    // The stack's parent: the support stack (redis-server, the Upstash server, the Stripe fake, on
    // free ports, without touching functions/.env.local) and an emulator-like group, then idle.
    writeFileSync(
      main,
      `import { spawnGroup } from ${JSON.stringify(join(__dirname, 'process'))};
import { startSupportStack } from ${JSON.stringify(join(__dirname, 'stack'))};
async function main(): Promise<void> {
  const stack = await startSupportStack(() => undefined, { writeEnvFiles: false, freePorts: true });
  const emulator = spawnGroup('sh', ${JSON.stringify(EMULATOR_LIKE)}, { stdio: ['ignore', 'pipe', 'inherit'] });
  emulator.stdout?.once('data', (pid: Buffer) => {
    const urls = [stack.redisUrl, stack.upstashUrl, stack.stripeUrl, stack.alertReceiverUrl];
    console.log(JSON.stringify({ urls, emulator: emulator.pid, grandchild: Number(String(pid).trim()) }));
  });
  setInterval(() => undefined, 60_000);
}
void main();
`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.REDIS_URL; // a private redis-server, started and owned by the parent
    const parent = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    const pid = parent.pid!;
    let family: number[] = [];
    try {
      const started = JSON.parse(await firstLine(parent.stdout)) as {
        urls: string[];
        emulator: number;
        grandchild: number;
      };
      const ports = started.urls.map((url) => Number(new URL(url).port));
      family = processTree([pid]).filter((p) => p !== pid);
      // redis-server, 2 × (tsx + node), sh, the grandchild, the watchdog
      expect(family.length).toBeGreaterThanOrEqual(7);
      expect(family).toContain(started.grandchild);
      for (const port of ports) expect(await isListening(port)).toBe(true);

      // First the emulator-like leader dies on its own, orphaning its grandchild (as firebase-tools
      // does when a closed terminal fails its writes, leaving the Java emulators), then the parent.
      await new Promise((r) => setTimeout(r, 2_500));
      process.kill(started.emulator, 'SIGKILL');
      await waitFor(
        () => Promise.resolve(livePids([started.emulator]).length === 0),
        'the emulator-like leader to go',
        3_000,
      );
      process.kill(pid, 'SIGKILL');
      const clean = async () =>
        livePids(family).length === 0 &&
        (await Promise.all(ports.map((p) => isListening(p)))).every((l) => !l);
      await waitFor(clean, 'the children to go', 10_000).catch(() => undefined);
      const busyPorts: number[] = [];
      for (const port of ports) if (await isListening(port)) busyPorts.push(port);
      expect({ survivors: livePids(family), busyPorts }).toEqual({ survivors: [], busyPorts: [] });
    } finally {
      killTree([pid, ...family]);
    }
  }, 60_000);
});
