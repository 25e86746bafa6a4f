/**
 * TensorFlow.js backend selection, once per process: tfjs-node (native libtensorflow) where it is
 * installed and loads, else wasm (its .wasm binaries read from node_modules, never fetched), else the
 * pure-JS cpu backend. `prefer` lets offline training pin `cpu` so the committed artifact is
 * bit-reproducible on any machine. A failed selection is not memoised, so the next call retries.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { logger } from '../observability/logger';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const DEFAULT_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let selected: Promise<BackendName> | null = null;
let selectedFor = '';

function tryRequire(id: string): boolean {
  try {
    // Optional native dependency: absent (or without its binary) in most environments.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(id);
    return true;
  } catch {
    return false;
  }
}

/** Directory holding tfjs-backend-wasm's .wasm files, resolved from the installed package. */
export function wasmDir(): string {
  return (
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep
  );
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      if (!tryRequire('@tensorflow/tfjs-node')) return false;
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmDir());
    }
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch (err) {
    logger.warn('tfjs backend unavailable', { backend: name, err: err as Error });
    return false;
  }
}

async function select(prefer: readonly BackendName[]): Promise<BackendName> {
  for (const name of prefer) {
    if (await tryBackend(name)) {
      logger.info('tfjs backend selected', { backend: name });
      return name;
    }
  }
  throw new Error(`no TensorFlow.js backend available among ${prefer.join(', ')}`);
}

/** Selects (once) and returns the active backend. */
export function initBackend(prefer: readonly BackendName[] = DEFAULT_BACKENDS): Promise<BackendName> {
  const key = prefer.join(',');
  if (!selected || selectedFor !== key) {
    selectedFor = key;
    selected = select(prefer).catch((err: unknown) => {
      selected = null;
      throw err;
    });
  }
  return selected;
}
