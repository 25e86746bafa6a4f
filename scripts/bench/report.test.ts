import { readFileSync } from 'node:fs';
import { ANALYSIS, BENCHMARKS, per1k, renderReport, usd, type Results, type Row } from './report';
import { usageOf, ZERO } from './usage';

const usage = (cpuUs: number, reads: number, writes: number, redis: number, n = 1000) =>
  usageOf({ ...ZERO, cpuUs: cpuUs * n, reads, writes, redisCommands: redis }, n);

const row = (scenario: string, p50: number, rps: number, u?: Row['usage']): Row => ({
  scenario,
  requests: 1000,
  p50,
  p99: 2 * p50,
  rps,
  ...(u ? { usage: u } : {}),
});

const results: Results = {
  rows: [
    row('floor: GET /v1/ping (no work)', 3, 2000, usage(500, 0, 0, 0)),
    row('floor + auth: GET /v1/me', 4, 1600, usage(600, 0, 0, 10)),
    row('L1 hit (elite: full view)', 4.5, 1400, usage(640, 0, 0, 12)),
    row('L1 hit (free: shaped view)', 5, 1300, usage(700, 0, 0, 90)),
    row('miss (1 connection, distinct games)', 20, 50, usage(4000, 3000, 1000, 2000)),
    row('Zipf(1.1) over 1800 games, first 20k requests (cold caches)', 6, 600, usage(900, 240, 80, 200)),
    row('100k requests (Zipf), after those 20k', 5, 1300, usage(650, 9, 3, 20)),
    row('naive: load model + read Firestore per request', 100, 40, usage(20000, 12000, 0, 0)),
  ],
  facts: {
    durationS: 240,
    limiter: {
      hot: { redisCallsPer1000: 8.7, cpuUsPerCheck: 17 },
      hotFree: { redisCallsPer1000: 93, cpuUsPerCheck: 70 },
      crowd: { redisCallsPer1000: 2000, cpuUsPerCheck: 590 },
    },
    apiLimiterRedisPer1000: 30,
    batchVsSingles: 9,
    modelCalls50On: 18,
    modelCalls50Off: 50,
    zipfHitRate: 0.997,
    rssStartMB: 470,
    rssEndMB: 475,
    rssDrift: 0.01,
    tensorsStart: 2,
    tensorsEnd: 2,
    coldStartsMs: [1500, 1400, 1700],
    coldStartMs: 1500,
    coldListeningMs: 900,
    missWorkAfterResponseP50: 16,
  },
  machine: { cpus: 2, model: 'test CPU', node: 'v20', date: '2026-12-01', connections: 8 },
};

describe('the bench report', () => {
  const text = renderReport(results, '## Reading these numbers\n\nBy hand.\n');

  it('judges the L1-hit targets on CPU per request, showing latency beside them', () => {
    expect(text).toContain(
      "| L1 hit (elite: full view) within 1.3x the floor in api CPU time per request (judged on CPU: queueing-free) | 1.28x (640 vs 500 µs; 1.07x floor + auth's); latency, not judged: p50 1.50x, p99 1.50x | yes |",
    );
    expect(text).toMatch(/\| L1 hit \(free: shaped view\) within 1\.3x .* \| 1\.40x .* \| \*\*no\*\* \|/);
  });

  it('uses the round-by-round ratios to the floor where the rounds were paired', () => {
    const paired = renderReport(
      {
        ...results,
        rows: results.rows.map((r) =>
          r.scenario.startsWith('L1 hit (free') ? { ...r, vsFloor: { p50: 1.6, cpu: 1.25 } } : r,
        ),
      },
      '',
    );
    expect(paired).toMatch(
      /\| L1 hit \(free: shaped view\) within 1\.3x .* \| 1\.25x \(700 vs 500 µs; .*p50 1\.60x.* \| yes \|/,
    );
    expect(paired).toMatch(
      /\| L1 hit \(free: shaped view\) \| 1000 \| 5\.000 \| 10\.000 \| 1300 \| 1\.60 \| 700 \| 1\.25 \|/,
    );
  });

  it('says what writing before the response costs a miss, against the same build answering first', () => {
    expect(text).toContain(
      'a miss at 1 connection took p50 20.00 ms with L2 and L3 written before the response, 16.00 ms with the same build answering first (alternating rounds): 4.00 ms (25%).',
    );
  });

  it("judges the service counters on their own time per answer against the L1 hit's CPU", () => {
    const counting = (microUsPerCount: number) =>
      renderReport(
        {
          ...results,
          facts: {
            ...results.facts,
            counting: {
              cpuUsOn: 640,
              cpuUsOff: 650,
              onVsOff: 0.98,
              roundsMin: 0.8,
              roundsMax: 1.1,
              microUsPerCount,
            },
          },
        },
        '',
      );
    expect(counting(0.8)).toContain(
      "| service counting adds under 1% to the L1 hit (elite) CPU per request | 0.80 µs per answer counted, 0.13% of the L1 hit's 640 µs; end to end, counted vs uncounted api 0.980x (rounds 0.80-1.10: noise) | yes |",
    );
    expect(counting(7)).toMatch(
      /\| service counting adds under 1% .* 1\.09% of the L1 hit's 640 µs.* \| \*\*no\*\* \|/,
    );
    expect(text).not.toContain('service counting'); // a run without the scenario judges nothing
  });

  it('reports the cold start as the median of its fresh processes', () => {
    expect(text).toContain(
      '| cold start <= 1.5 s | median 1500 ms of 3 fresh processes (1500, 1400, 1700) | yes |',
    );
  });

  it('prices the steady-state mix and the naive path per million predictions', () => {
    // Steady: 9 reads, 3 writes, 20 commands per 1,000: per million 9,000 reads ($0.0054), 3,000 writes
    // ($0.0054), 20,000 commands ($0.04). Naive: 12 reads per request: $7.20.
    expect(text).toContain(
      '| steady state: the Zipf(1.1) mix, 100k requests after 20k | 9.00 / 3.00 / 0 | 20.0 | $0.0108 | $0.0400 | $0.0508 |',
    );
    expect(text).toContain(
      '| naive path (model and Firestore per request) | 12000 / 0 / 0 | 0 | $7.20 | $0 | $7.20 |',
    );
    expect(text).toContain(
      "$0.0508 per million predictions at these prices, 142x less than the naive path's $7.20.",
    );
  });

  it('appends the hand-written analysis verbatim', () => {
    expect(text.endsWith('\n\n## Reading these numbers\n\nBy hand.\n')).toBe(true);
  });

  it('refuses results that lack a fact a target needs', () => {
    expect(() =>
      renderReport({ ...results, facts: { ...results.facts, coldStartMs: undefined } }, ''),
    ).toThrow(/coldStartMs/);
  });

  it('writes dollars in cents from $1 up and with three significant digits below', () => {
    expect([usd(0), usd(0.2), usd(0.0108), usd(7.2), usd(123.456)]).toEqual([
      '$0',
      '$0.200',
      '$0.0108',
      '$7.20',
      '$123.46',
    ]);
  });

  it('writes counts per 1,000 with the decimals their size needs', () => {
    expect([per1k(0), per1k(0.004), per1k(9), per1k(20), per1k(1234.5)]).toEqual([
      '0',
      '0.00',
      '9.00',
      '20.0',
      '1235',
    ]);
  });
});

describe('BENCHMARKS.md', () => {
  it('ends with scripts/bench/ANALYSIS.md, verbatim (edit ANALYSIS.md, then npm run bench -- --report)', () => {
    const analysis = readFileSync(ANALYSIS, 'utf8');
    expect(readFileSync(BENCHMARKS, 'utf8').endsWith(`\n\n${analysis}`)).toBe(true);
  });
});
