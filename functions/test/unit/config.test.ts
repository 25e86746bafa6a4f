import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredParams } from 'firebase-functions/params';
import { metricsFlushMs, serviceCounting } from '../../src/config';

/**
 * firebase-tools prompts for every non-secret param without a dotenv value (and fails in
 * non-interactive deploys and emulator runs), so functions/.env must give each one a value.
 */
it('functions/.env gives a value to every non-secret param declared in config.ts', () => {
  const env = readFileSync(join(__dirname, '..', '..', '.env'), 'utf8');
  const defined = new Set(
    env
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );
  const params = declaredParams.filter((p) => p.constructor.name !== 'SecretParam').map((p) => p.name);
  expect(params.length).toBeGreaterThan(0);
  expect(params.filter((name) => !defined.has(name))).toEqual([]);
});

describe('METRICS_FLUSH_SECONDS', () => {
  const saved = process.env.METRICS_FLUSH_SECONDS;
  afterEach(() => {
    if (saved === undefined) delete process.env.METRICS_FLUSH_SECONDS;
    else process.env.METRICS_FLUSH_SECONDS = saved;
  });
  // Params read the environment each time they are asked.

  it('counts and flushes every N seconds; 0 turns the service counters off', () => {
    process.env.METRICS_FLUSH_SECONDS = '60';
    expect([serviceCounting(), metricsFlushMs()]).toEqual([true, 60_000]);
    process.env.METRICS_FLUSH_SECONDS = '0';
    expect([serviceCounting(), metricsFlushMs()]).toEqual([false, 0]);
  });

  it('refuses a negative interval or one over an hour', () => {
    for (const bad of ['-1', '3601']) {
      process.env.METRICS_FLUSH_SECONDS = bad;
      expect(() => metricsFlushMs()).toThrow();
    }
  });
});
