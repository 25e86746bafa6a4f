import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command to completion with inherited output; rejects on a non-zero exit. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}`));
    });
  });
}

/** Resolves with the exit code (or 1 on a signal) once the child exits. */
export function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((done) => {
    if (child.exitCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code ?? 1));
  });
}

/**
 * Starts a long-running child of the local stack in its own session and process group, so the
 * terminal's Ctrl-C reaches only us (we stop the children in order, see stopGroup) and stopping the
 * group stops its grandchildren; and hands it to the watchdog, so it dies with us however we end.
 */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  guard().track(child);
  return child;
}

/**
 * Stops a child started by spawnGroup: SIGINT to its group, then, after the grace period (at once
 * for 0), SIGKILL to the group and to every descendant, including those in sessions of their own
 * (the emulators' Java processes) and those its exit orphaned, so nothing is left behind.
 */
export async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const tree = new ProcessTree(() => [pid]);
  tree.refresh();
  if (graceMs > 0) {
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  const timer = setTimeout(() => tree.killAll(), graceMs);
  await exitOf(child);
  clearTimeout(timer);
  tree.killAll();
}

interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  /** When it started (ps lstart), so a reused pid is never taken for the process we saw. */
  started: string;
}

/** Every live process, from ps (Linux and macOS); zombies left out. */
function processTable(): ProcessRow[] {
  const out = spawnSync(
    'ps',
    ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'stat=', '-o', 'lstart='],
    {
      encoding: 'utf8',
    },
  );
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5 && !(cols[3] ?? '').startsWith('Z'))
    .map(([pid, ppid, pgid, , ...started]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      pgid: Number(pgid),
      started: started.join(' '),
    }));
}

/** Those of `pids` that are still running (zombies count as gone). */
export function livePids(pids: readonly number[]): number[] {
  const live = new Set(processTable().map((r) => r.pid));
  return pids.filter((pid) => live.has(pid));
}

/**
 * The processes of some process groups and all their descendants, remembered: a descendant that its
 * parent's death orphaned (reparented to init) is no longer in the tree, but is still ours to kill.
 */
export class ProcessTree {
  /** Every member seen so far and still running: pid → start time. */
  private readonly seen = new Map<number, string>();

  constructor(private readonly groups: () => readonly number[]) {}

  /** Learns the current members and forgets those that ended. Returns the members. */
  refresh(): number[] {
    const rows = processTable();
    const now = new Map(rows.map((r) => [r.pid, r.started]));
    for (const [pid, started] of this.seen) if (now.get(pid) !== started) this.seen.delete(pid);
    const groups = this.groups();
    const found = new Set([
      ...this.seen.keys(),
      ...rows.filter((r) => groups.includes(r.pgid) || groups.includes(r.pid)).map((r) => r.pid),
    ]);
    for (let grew = true; grew;) {
      grew = false;
      for (const r of rows) {
        if (!found.has(r.pid) && found.has(r.ppid)) {
          found.add(r.pid);
          grew = true;
        }
      }
    }
    found.delete(process.pid);
    for (const pid of found) this.seen.set(pid, now.get(pid) ?? '');
    return [...found];
  }

  /** SIGKILLs the groups and every member, at once. */
  killAll(): void {
    const pids = this.refresh();
    for (const target of [...this.groups().map((g) => -g), ...pids]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** The live processes of the given process groups and all their descendants (not this process). */
export function processTree(groups: readonly number[]): number[] {
  return new ProcessTree(() => groups).refresh();
}

/** SIGKILLs the given process groups and every descendant of theirs, at once. */
export function killTree(groups: readonly number[]): void {
  new ProcessTree(() => groups).killAll();
}

export interface Guard {
  /** Hands a child started with `detached: true` to the watchdog. */
  track(child: ChildProcess): void;
  /** Has the watchdog kill every tracked child and its descendants now, and waits for it. */
  killAll(): Promise<void>;
}

let current: Guard | undefined;

/**
 * This process's watchdog (scripts/lib/watchdog.ts), started on first use: it kills every child
 * tracked here when this process ends without having stopped them (SIGKILL, a crash, a closed
 * terminal). Node has no parent-death signal; the watchdog sees our end as the close of its stdin.
 */
export function guard(): Guard {
  current ??= startGuard();
  return current;
}

function startGuard(): Guard {
  const groups: number[] = [];
  // One process (node with tsx's loader, not the tsx CLI's two), so its parent is this process.
  const watchdog = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'watchdog.ts'), String(process.pid)],
    {
      cwd: join(__dirname, '..', '..'),
      stdio: ['pipe', 'ignore', 'inherit'],
      detached: true,
    },
  );
  const ended = exitOf(watchdog);
  watchdog.on('error', (err) => console.error(`[watchdog] could not start: ${err.message}`));
  watchdog.on('exit', (code, signal) => {
    if (code !== 0)
      console.error(`[watchdog] exited (${signal ?? code}): children may outlive a killed parent`);
  });
  // Neither the watchdog nor the pipe keeps this process alive; the pipe closes when it exits.
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  watchdog.stdin?.on('error', () => undefined);
  return {
    track(child) {
      if (child.pid === undefined) return;
      groups.push(child.pid);
      watchdog.stdin?.write(`${child.pid}\n`);
    },
    async killAll() {
      if (watchdog.exitCode === null && watchdog.signalCode === null) {
        watchdog.kill('SIGTERM');
        await Promise.race([ended, new Promise((r) => setTimeout(r, 3_000).unref())]);
      }
      killTree(groups); // in case the watchdog could not
    },
  };
}
