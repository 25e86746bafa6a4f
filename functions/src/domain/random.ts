/**
 * Seeded pseudo-random numbers (mulberry32): tiny, fast, and identical on every platform, so bootstrap
 * resampling in training is reproducible from its seed alone.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Bootstrap resampling counts: counts[m][i] = how many times example i is drawn for member m
 * (n draws with replacement per member).
 */
export function bootstrapCounts(n: number, members: number, seed: number): Float32Array[] {
  const rng = mulberry32(seed);
  const out: Float32Array[] = [];
  for (let m = 0; m < members; m++) {
    const counts = new Float32Array(n);
    for (let d = 0; d < n; d++) {
      const i = Math.floor(rng() * n);
      counts[i] = (counts[i] ?? 0) + 1;
    }
    out.push(counts);
  }
  return out;
}
