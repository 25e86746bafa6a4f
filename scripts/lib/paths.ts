import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const cacheDir = join(repoRoot, '.cache');
export const functionsDir = join(repoRoot, 'functions');
export const firebaseBin = join(repoRoot, 'node_modules', '.bin', 'firebase');

/** The default project of .firebaserc (a demo-* id: the emulators never reach a real project). */
export function projectId(): string {
  const rc = JSON.parse(readFileSync(join(repoRoot, '.firebaserc'), 'utf8')) as {
    projects?: { default?: string };
  };
  const id = rc.projects?.default;
  if (!id) throw new Error('.firebaserc has no default project');
  return id;
}

/** Emulator ports from firebase.json (the single source of truth for them). */
export function emulatorPorts(): Record<string, number> {
  const config = JSON.parse(readFileSync(join(repoRoot, 'firebase.json'), 'utf8')) as {
    emulators: Record<string, { port?: number }>;
  };
  const ports: Record<string, number> = {};
  for (const [name, value] of Object.entries(config.emulators)) {
    if (typeof value === 'object' && typeof value.port === 'number') ports[name] = value.port;
  }
  return ports;
}
