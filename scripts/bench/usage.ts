/**
 * The arithmetic of the bench's per-request figures: what a scenario cost the serving process (CPU)
 * and the data layer (Firestore documents, Redis commands), and what that costs at list prices.
 */

/** Cumulative counters of one server at one moment: its meter (CPU, Firestore) and the Upstash server. */
export interface Sample {
  cpuUs: number;
  reads: number;
  writes: number;
  deletes: number;
  redisCommands: number;
}

/** A scenario's cost per request (CPU) and per 1,000 requests (data layer). */
export interface Usage {
  /** What the figures are per: a request, or a prediction where a request holds many (batch). */
  per: 'request' | 'prediction';
  count: number;
  cpuUsPerRequest: number;
  readsPer1k: number;
  writesPer1k: number;
  deletesPer1k: number;
  redisPer1k: number;
}

export const ZERO: Sample = { cpuUs: 0, reads: 0, writes: 0, deletes: 0, redisCommands: 0 };

export function minus(after: Sample, before: Sample): Sample {
  return {
    cpuUs: after.cpuUs - before.cpuUs,
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    deletes: after.deletes - before.deletes,
    redisCommands: after.redisCommands - before.redisCommands,
  };
}

export function plus(a: Sample, b: Sample): Sample {
  return minus(a, minus(ZERO, b));
}

/** A delta over `count` requests (or predictions), as per-request CPU and per-1,000 counts. */
export function usageOf(delta: Sample, count: number, per: Usage['per'] = 'request'): Usage {
  if (!(count > 0)) throw new Error(`usage over ${count} ${per}s`);
  const per1k = (n: number) => (1000 * n) / count;
  return {
    per,
    count,
    cpuUsPerRequest: delta.cpuUs / count,
    readsPer1k: per1k(delta.reads),
    writesPer1k: per1k(delta.writes),
    deletesPer1k: per1k(delta.deletes),
    redisPer1k: per1k(delta.redisCommands),
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The median of round-by-round ratios: `values[i] / floor[i]`, each pair measured minutes apart at
 * most, so a burst of load from elsewhere skews one pair instead of the whole comparison.
 */
export function pairedRatio(values: readonly number[], floor: readonly number[]): number {
  if (values.length !== floor.length) throw new Error('paired ratio of unequal rounds');
  return median(values.map((v, i) => v / (floor[i] as number)));
}

/** The value at quantile q of an ascending list (nearest rank below); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * List prices, USD. Firestore (Standard edition): the US multi-region (nam5, which holds the
 * functions' us-central1) prices per 100,000 documents; a single US region lists at about half
 * (us-west1: $0.03 / $0.09 / $0.01). Upstash Redis: pay-as-you-go, per 100,000 commands. Free
 * quotas (Firestore's 50,000 reads and 20,000 writes a day, Upstash's 500,000 commands a month)
 * are left out: they are per project, not per request.
 */
export const PRICES = {
  source:
    'firebase.google.com/docs/firestore/pricing (US multi-region) and upstash.com/pricing/redis (pay as you go, as captured 2026-11-09)',
  firestoreReadPer100k: 0.06,
  firestoreWritePer100k: 0.18,
  firestoreDeletePer100k: 0.02,
  upstashCommandPer100k: 0.2,
} as const;

export interface Cost {
  firestore: number;
  upstash: number;
  total: number;
}

/** USD per million requests (or predictions) at `PRICES`, from per-1,000 counts. */
export function costPerMillion(usage: Usage, prices: typeof PRICES = PRICES): Cost {
  // per 1,000 x 1,000 = per million; / 100,000 for the price unit.
  const units = (per1k: number) => (per1k * 1000) / 100_000;
  const firestore =
    units(usage.readsPer1k) * prices.firestoreReadPer100k +
    units(usage.writesPer1k) * prices.firestoreWritePer100k +
    units(usage.deletesPer1k) * prices.firestoreDeletePer100k;
  const upstash = units(usage.redisPer1k) * prices.upstashCommandPer100k;
  return { firestore, upstash, total: firestore + upstash };
}
