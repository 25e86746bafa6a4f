/**
 * The API's service counters, per UTC minute (issue 13): requests, 5xx answers, the cache level
 * that answered, model inferences and their time, rate-limited answers. Each instance counts in
 * memory (no storage write on the request path) and flushes its minutes on a timer and when it is
 * shut down (services/service-metrics.ts): a flush sets each changed minute's document of this
 * instance to the instance's whole count for that minute, so a flush retried or repeated counts
 * nothing twice, and the minutes of all instances add up to the service's.
 */

export const CACHE_LEVELS = ['l1', 'l2', 'l3', 'miss'] as const;
export type CacheLevelCount = Record<(typeof CACHE_LEVELS)[number], number>;

export interface MinuteCounters {
  /** The minute, ISO 8601 to the minute in UTC: `2026-11-30T14:05Z`. */
  minute: string;
  requests: number;
  errors5xx: number;
  /** Answers by the X-Cache level they carried (predictions; other answers carry none). */
  cache: CacheLevelCount;
  /** Predictions computed by the model (each game of a batch counts) and the model's time, in ms. */
  inferences: number;
  inferenceMs: number;
  /** Answers 429: over a rate limit or an allowance. */
  rateLimited: number;
}

export const MINUTE_MS = 60_000;

/** `2026-11-30T14:05Z` for any instant of that minute. */
export function minuteOf(ms: number): string {
  return `${new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().slice(0, 16)}Z`;
}

export function emptyMinute(minute: string): MinuteCounters {
  return {
    minute,
    requests: 0,
    errors5xx: 0,
    cache: { l1: 0, l2: 0, l3: 0, miss: 0 },
    inferences: 0,
    inferenceMs: 0,
    rateLimited: 0,
  };
}

const isLevel = (v: unknown): v is keyof CacheLevelCount =>
  typeof v === 'string' && (CACHE_LEVELS as readonly string[]).includes(v);

/** One instance's counts, by minute, with the minutes changed since they were last taken. */
export class CounterWindow {
  private readonly minutes = new Map<string, MinuteCounters>();
  private readonly changed = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Minutes older than this and already taken are forgotten. */
    private readonly keepMs = 10 * MINUTE_MS,
  ) {}

  private current(): MinuteCounters {
    const minute = minuteOf(this.now());
    let m = this.minutes.get(minute);
    if (!m) {
      m = emptyMinute(minute);
      this.minutes.set(minute, m);
    }
    this.changed.add(minute);
    return m;
  }

  /** An answer sent: its status and the X-Cache level it carried, if any. */
  request(status: number, cacheLevel?: unknown): void {
    const m = this.current();
    m.requests += 1;
    if (status >= 500) m.errors5xx += 1;
    if (status === 429) m.rateLimited += 1;
    if (isLevel(cacheLevel)) m.cache[cacheLevel] += 1;
  }

  /** The model ran for `count` predictions in `ms`. */
  inference(count: number, ms: number): void {
    const m = this.current();
    m.inferences += count;
    m.inferenceMs += ms;
  }

  /**
   * The minutes changed since the last take, each with this instance's whole count for it (copies).
   * Give them back with `untake` when the flush failed.
   */
  take(): MinuteCounters[] {
    const out = [...this.changed].sort().map((minute) => {
      const m = this.minutes.get(minute) as MinuteCounters;
      return { ...m, cache: { ...m.cache } };
    });
    this.changed.clear();
    const oldest = minuteOf(this.now() - this.keepMs);
    for (const minute of this.minutes.keys()) if (minute < oldest) this.minutes.delete(minute);
    return out;
  }

  untake(minutes: readonly MinuteCounters[]): void {
    for (const m of minutes) if (this.minutes.has(m.minute)) this.changed.add(m.minute);
  }

  /** Whether anything counted has not been taken yet. */
  pending(): boolean {
    return this.changed.size > 0;
  }
}

/** Adds `b` into `a`. */
function add(a: MinuteCounters, b: MinuteCounters): void {
  a.requests += b.requests;
  a.errors5xx += b.errors5xx;
  a.inferences += b.inferences;
  a.inferenceMs += b.inferenceMs;
  a.rateLimited += b.rateLimited;
  for (const level of CACHE_LEVELS) a.cache[level] += b.cache[level];
}

/**
 * The service's minutes from `fromMs` to `toMs` (each minute once, zeros where nothing was counted,
 * oldest first) from the instances' minute documents, and their totals.
 */
export function sumMinutes(
  docs: readonly MinuteCounters[],
  fromMs: number,
  toMs: number,
): { minutes: MinuteCounters[]; totals: Omit<MinuteCounters, 'minute'> } {
  const byMinute = new Map<string, MinuteCounters>();
  for (let t = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS; t <= toMs; t += MINUTE_MS) {
    const minute = minuteOf(t);
    byMinute.set(minute, emptyMinute(minute));
  }
  const totals = emptyMinute('');
  for (const doc of docs) {
    const m = byMinute.get(doc.minute);
    if (!m) continue;
    add(m, doc);
    add(totals, doc);
  }
  const { minute: _minute, ...rest } = totals;
  return { minutes: [...byMinute.values()], totals: rest };
}
