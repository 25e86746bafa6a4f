/**
 * Sized for Cloud Run: every deployed function declares its memory, CPU, concurrency, timeout and
 * min instances, and the numbers follow what was measured (config.ts, "Sizing", says why). Read from
 * each export's `__endpoint`, which is what firebase-tools deploys; a param resolves as a deploy
 * resolves it: its value in functions/.env, else its default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Expression, type IntParam } from 'firebase-functions/params';
import * as functions from '../../src/index';

// 1st-gen endpoints (the Auth deletion trigger) resolve the project when described.
process.env.GCLOUD_PROJECT ??= 'demo-sizing-test';

type Name = keyof typeof functions;
type Endpoint = (typeof functions)[Name]['__endpoint'];

const names = Object.keys(functions).sort() as Name[];
const endpoint = (name: Name): Endpoint => functions[name].__endpoint;
const root = join(__dirname, '..', '..', '..');

/** Functions that load the model and keep predictions in L1: the api and what warms predictions. */
const PREDICTION_RUNTIME: Name[] = ['api', 'onGameWritten', 'onModelWritten', 'warmPredictionCache'];

/**
 * RSS of an instance that never loads a model: lib/index.js (every module, tfjs' JavaScript
 * included) and the Firestore client, measured with process.memoryUsage() on Node 20.
 */
const IDLE_RSS_MIB = 135;

/** Memory is at least this many times the RSS measured for what the instance holds. */
const HEADROOM = 2;

/** The api's peak RSS in the last `npm run bench` (the "100k requests (Zipf)" row of BENCHMARKS.md). */
function benchPeakRssMib(): number {
  const text = readFileSync(join(root, 'BENCHMARKS.md'), 'utf8');
  const match = /RSS (\d+) -> (\d+) MB/.exec(text);
  if (!match) throw new Error('BENCHMARKS.md has no "RSS a -> b MB" measurement');
  return Math.max(Number(match[1]), Number(match[2]));
}

const dotenv = new Map(
  readFileSync(join(root, 'functions', '.env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string]),
);

/** A declared number, a param (its .env value, else its default), or undefined when not declared. */
function resolve(value: unknown, source: 'env' | 'default' = 'env'): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Expression) {
    const param = value as IntParam;
    const raw = source === 'env' ? (dotenv.get(param.name) ?? param.options.default) : param.options.default;
    if (raw === undefined || raw instanceof Expression) throw new Error(`param ${param.name} has no value`);
    return Number(raw);
  }
  return undefined; // unset: null (RESET_VALUE) or absent
}

const MEMORY_OPTIONS_MB = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];

/** The longest a function of this kind may run (Cloud Functions limits). */
function platformMaxTimeout(e: Endpoint): number {
  if (e.scheduleTrigger) return 1800;
  if (e.httpsTrigger) return 3600;
  return 540; // event triggers, both generations
}

it('index.ts exports 2nd-gen functions and one 1st-gen Auth trigger', () => {
  expect(names.filter((n) => endpoint(n).platform === 'gcfv1')).toEqual(['onUserDeleted']);
});

describe.each(names)('%s', (name) => {
  const e = endpoint(name);
  const gen2 = e.platform === 'gcfv2';

  it('declares memory, timeout and min instances, and (2nd gen) CPU and concurrency', () => {
    const declared = {
      memory: resolve(e.availableMemoryMb),
      timeoutSeconds: resolve(e.timeoutSeconds),
      minInstances: resolve(e.minInstances),
      ...(gen2 ? { cpu: e.cpu ?? undefined, concurrency: resolve(e.concurrency) } : {}),
    };
    expect(Object.entries(declared).filter(([, v]) => v === undefined)).toEqual([]);
  });

  it('declares values Cloud Run accepts', () => {
    const memory = resolve(e.availableMemoryMb) ?? NaN;
    expect(MEMORY_OPTIONS_MB).toContain(memory);
    expect(Number.isInteger(resolve(e.minInstances)) && (resolve(e.minInstances) ?? -1) >= 0).toBe(true);
    if (!gen2) return; // 1st gen: one request per instance, CPU set by memory
    const concurrency = resolve(e.concurrency) ?? NaN;
    expect(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1000).toBe(true);
    // 'gcf_gen1' CPU is below one vCPU up to 1 GiB, and a fraction of a vCPU serves one request at a time.
    if (concurrency > 1) expect(e.cpu).toBeGreaterThanOrEqual(1);
    // Cloud Run's least CPU for the memory: more than 4 GiB takes 2 vCPUs, more than 8 GiB 4.
    if (typeof e.cpu === 'number')
      expect(e.cpu).toBeGreaterThanOrEqual(memory > 8192 ? 4 : memory > 4096 ? 2 : 0);
  });

  it(`has at least ${HEADROOM}x the RSS measured for what it holds`, () => {
    const peak = PREDICTION_RUNTIME.includes(name) ? benchPeakRssMib() : IDLE_RSS_MIB;
    // The value this repo deploys (functions/.env) and the param's own default, when it is a param.
    expect(resolve(e.availableMemoryMb) ?? 0).toBeGreaterThanOrEqual(HEADROOM * peak);
    expect(resolve(e.availableMemoryMb, 'default') ?? 0).toBeGreaterThanOrEqual(HEADROOM * peak);
  });

  it('has a timeout its platform allows', () => {
    const timeout = resolve(e.timeoutSeconds) ?? 0;
    expect(timeout).toBeGreaterThan(0);
    expect(timeout).toBeLessThanOrEqual(platformMaxTimeout(e));
  });
});

it('evaluateAlerts (every 5 minutes, one run at a time) loads no model and ends before the next run', () => {
  const e = endpoint('evaluateAlerts');
  expect(resolve(e.availableMemoryMb)).toBe(512);
  expect(resolve(e.concurrency)).toBe(1);
  expect(resolve(e.timeoutSeconds)).toBeLessThan(300);
});

describe('timeouts fit the work', () => {
  const timeout = (name: Name): number => resolve(endpoint(name).timeoutSeconds) ?? 0;

  it.each<Name>(['api', 'onGameWritten', 'onModelWritten', 'onRatingsQueued', 'warmPredictionCache'])(
    '%s (admin imports and ratings rebuilds, or warming a week of predictions) gets at least 300 s',
    (name) => {
      expect(timeout(name)).toBeGreaterThanOrEqual(300);
    },
  );

  it.each<Name>(['ledgerCleanup', 'reconcileAggregates', 'reconcileBilling'])(
    '%s (a daily pass over a collection or Stripe events; a short run waits a day) gets 540 s or more',
    (name) => {
      expect(timeout(name)).toBeGreaterThanOrEqual(540);
    },
  );

  it.each(names.filter((n) => endpoint(n).scheduleTrigger))('%s ends before its next run', (name) => {
    const declared = endpoint(name).scheduleTrigger?.schedule;
    const schedule = typeof declared === 'string' ? declared : '';
    const every = /^every (\d+) (minutes|hours)$/.exec(schedule);
    const periodSeconds = every
      ? Number(every[1]) * (every[2] === 'hours' ? 3600 : 60)
      : /^every day \d\d:\d\d$/.test(schedule)
        ? 86_400
        : NaN;
    expect(timeout(name)).toBeLessThan(periodSeconds);
  });
});

it("the api's memory, concurrency and min instances are params an operator can set", () => {
  const e = endpoint('api');
  const params = [e.availableMemoryMb, e.concurrency, e.minInstances].map((v) =>
    v instanceof Expression ? (v as IntParam).name : v,
  );
  expect(params).toEqual(['API_MEMORY_MB', 'API_CONCURRENCY', 'API_MIN_INSTANCES']);
  // A warm api instance: a cold start costs its first caller ~1.65 s to a prediction (BENCHMARKS.md).
  expect(resolve(e.minInstances)).toBeGreaterThanOrEqual(1);
});
