/**
 * The local stack's dead man's switch: a small process that outlives its parent just long enough to
 * kill what the parent started. Node has no PR_SET_PDEATHSIG, and the stack's processes run in their
 * own sessions (so a terminal's Ctrl-C reaches only the parent, which stops them in order), so when
 * the parent dies without stopping them (SIGKILL, a crash, a closed terminal), nothing else would.
 *
 * The parent (scripts/lib/process.ts `guard()`) starts this in a session of its own, writes the
 * process group id of every child it starts, one per line, on our stdin, and keeps that pipe open
 * for its whole life. The kernel closes the pipe when the parent ends, however it ends; then, or when
 * the parent's pid stops being our parent (checked with the rest, in case the pipe was inherited),
 * or on SIGTERM (the parent's "now"), we SIGKILL those groups and every descendant of theirs and
 * exit. Descendants are learned every second while their parents live: the emulators' Java processes
 * run in sessions of their own and are orphaned if firebase-tools dies first (a closed terminal makes
 * its writes fail), and then only this record still ties them to the stack.
 *
 *   node --import tsx scripts/lib/watchdog.ts <parent pid>    (stdin: process group ids, one per line)
 */
import { ProcessTree } from './process';

const parent = Number(process.argv[2]);
if (!Number.isInteger(parent) || parent <= 1) {
  console.error('usage: watchdog.ts <parent pid>  (stdin: process group ids, one per line)');
  process.exit(2);
}

const groups: number[] = [];
const tree = new ProcessTree(() => groups);
let pending = '';
let reaping = false;

function reap(): void {
  if (reaping) return;
  reaping = true;
  tree.killAll();
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const pgid = Number(line.trim());
    if (Number.isInteger(pgid) && pgid > 1 && !groups.includes(pgid)) groups.push(pgid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
// The terminal's signals are the parent's business; SIGTERM means "reap now".
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', reap);
setInterval(() => {
  if (process.ppid !== parent) reap();
  else if (groups.length > 0) tree.refresh();
}, 1_000);
