import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend';
import { ModelCache } from '../../../src/ml/model-cache';

const ARTIFACT = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../../models/nfl/model.json'), 'utf8'),
) as { metadata: { version: string } };
/** The committed artifact under another version name (same weights). */
const artifactAs = (version: string) => ({ ...ARTIFACT, metadata: { ...ARTIFACT.metadata, version } });
const x = [1.2, 0.8, 1, 0, 0.3, 0.14, 0.05];

beforeAll(() => initBackend(), 60_000); // WebAssembly: seconds when the CPU is shared

describe('a version that fails to load', () => {
  function setup() {
    let now = 1_000_000;
    const reads: string[] = [];
    const cache = new ModelCache(
      (_modelId, version) => {
        reads.push(version);
        return version === 'broken'
          ? Promise.reject(new Error('chunk 0 does not parse'))
          : Promise.resolve(artifactAs(version));
      },
      { failureMemoryMs: 30_000, now: () => now },
    );
    return { cache, reads, advance: (ms: number) => (now += ms) };
  }

  it('is remembered for a while: requests meanwhile get the fallback without re-reading the artifact', async () => {
    const { cache, reads, advance } = setup();
    await cache.forServing('nfl-wp', 'good');
    for (let i = 0; i < 5; i++) {
      const model = await cache.forServing('nfl-wp', 'broken', 'good');
      expect(model.metadata.version).toBe('good');
    }
    expect(reads.filter((v) => v === 'broken')).toHaveLength(1);
    expect(cache.stats().failures).toEqual([expect.objectContaining({ version: 'broken' })]);
    // Once the memory runs out it is tried again (it may have been repaired).
    advance(30_001);
    await cache.forServing('nfl-wp', 'broken', 'good');
    expect(reads.filter((v) => v === 'broken')).toHaveLength(2);
  });

  it('names the version serving instead, so its answers are keyed under it; none before it fails', async () => {
    const { cache, advance } = setup();
    await cache.forServing('nfl-wp', 'good');
    expect(cache.servingVersion('nfl-wp', 'broken', 'good')).toBe('broken'); // not tried yet
    await cache.forServing('nfl-wp', 'broken', 'good');
    expect(cache.servingVersion('nfl-wp', 'broken', 'good')).toBe('good');
    expect(cache.servingVersion('nfl-wp', 'broken', null)).toBe('good'); // the last good one
    advance(30_001);
    expect(cache.servingVersion('nfl-wp', 'broken', 'good')).toBe('broken');
  });

  it('without any fallback loaded, is still refused quickly with the same error', async () => {
    const { cache, reads } = setup();
    await expect(cache.forServing('nfl-wp', 'broken')).rejects.toThrow('chunk 0 does not parse');
    await expect(cache.forServing('nfl-wp', 'broken')).rejects.toThrow('chunk 0 does not parse');
    expect(reads).toEqual(['broken']);
  });
});

describe('eviction', () => {
  it('never disposes a model while a batch is using it; it is disposed once the batch is done', async () => {
    const cache = new ModelCache((_modelId, version) => Promise.resolve(artifactAs(version)), {
      maxLoaded: 1,
    });
    await cache.forServing('nfl-wp', 'v1'); // tensors of one warm model, for the count below
    const oneModel = tf.memory().numTensors;
    const inBatch = await cache.use('nfl-wp', 'v1', null, async (model) => {
      // Meanwhile another version is activated and loaded: v1 is over the limit and evicted.
      await cache.forServing('nfl-wp', 'v2');
      await new Promise((resolve) => setImmediate(resolve));
      expect(cache.stats().loaded).toEqual(['nfl-wp@v2']);
      return model.predictBatch([x, x]); // would throw on disposed tensors
    });
    expect(inBatch).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(tf.memory().numTensors).toBe(oneModel); // v1's tensors freed once its batch ended
  });

  it('disposes an evicted model nobody uses', async () => {
    const cache = new ModelCache((_modelId, version) => Promise.resolve(artifactAs(version)), {
      maxLoaded: 1,
    });
    await cache.forServing('nfl-wp', 'v1');
    const oneModel = tf.memory().numTensors;
    await cache.forServing('nfl-wp', 'v2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(tf.memory().numTensors).toBe(oneModel);
  });
});
