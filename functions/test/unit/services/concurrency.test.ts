import { forEachLimit } from '../../../src/services/concurrency';

const tick = () => new Promise((r) => setTimeout(r, 1));

it('runs every item with at most `limit` at once', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await forEachLimit(
    Array.from({ length: 50 }, (_, i) => i),
    8,
    async (i) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      seen.push(i);
      running -= 1;
    },
  );
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(peak).toBe(8);
});

it('starts nothing after a failure and rethrows it once the running ones settled', async () => {
  const started: number[] = [];
  let running = 0;
  const failure = new Error('boom');
  await expect(
    forEachLimit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, async (i) => {
      started.push(i);
      running += 1;
      await tick();
      running -= 1;
      if (i === 1) throw failure;
    }),
  ).rejects.toBe(failure);
  expect(running).toBe(0);
  expect(started.length).toBeLessThan(10);
});
