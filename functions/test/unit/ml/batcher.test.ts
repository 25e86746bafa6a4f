import { MicroBatcher } from '../../../src/ml/batcher';

function recorder() {
  const calls: number[][] = [];
  const run = (xs: number[]) => {
    calls.push(xs);
    return xs.map((x) => x * 10);
  };
  return { calls, run };
}

describe('MicroBatcher', () => {
  it('runs requests that arrive together as one call, each caller getting its own result', async () => {
    const { calls, run } = recorder();
    const b = new MicroBatcher({ run, windowMs: 0, maxBatch: 100 });
    expect(await Promise.all([1, 2, 3].map((x) => b.submit(x)))).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('waits up to the window for more requests', async () => {
    const { calls, run } = recorder();
    const b = new MicroBatcher({ run, windowMs: 20, maxBatch: 100 });
    const first = b.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = b.submit(2);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(calls).toEqual([[1, 2]]);
  });

  it('splits at the size cap', async () => {
    const { calls, run } = recorder();
    const b = new MicroBatcher({ run, windowMs: 50, maxBatch: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)))).toEqual([10, 20, 30, 40, 50]);
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('runs each request alone when disabled', async () => {
    const { calls, run } = recorder();
    const b = new MicroBatcher({ run, windowMs: 0, maxBatch: 100, enabled: false });
    await Promise.all([1, 2].map((x) => b.submit(x)));
    expect(calls).toEqual([[1], [2]]);
  });

  it('rejects every caller of a failed batch', async () => {
    const b = new MicroBatcher<number, number>({
      run: () => Promise.reject(new Error('model failed')),
      windowMs: 0,
      maxBatch: 10,
    });
    const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('submitMany runs a batch request in cap-sized calls without waiting', async () => {
    const { calls, run } = recorder();
    const b = new MicroBatcher({ run, windowMs: 1000, maxBatch: 3 });
    expect(await b.submitMany([1, 2, 3, 4])).toEqual([10, 20, 30, 40]);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });
});
