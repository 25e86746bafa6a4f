import { PassThrough } from 'node:stream';
import {
  billedWrites,
  meterFirestore,
  StreamReads,
  type FirestoreFunnels,
  type FirestoreUsage,
} from './meter';

describe('billedWrites', () => {
  it('bills one write per document set, updated or created and one delete per delete, in a commit', () => {
    const request = {
      writes: [
        { update: { name: 'a' } },
        { update: { name: 'b' }, updateTransforms: [{}] },
        { delete: 'projects/p/databases/(default)/documents/x/y' },
      ],
    };
    expect(billedWrites('commit', request)).toEqual({ writes: 2, deletes: 1 });
    expect(billedWrites('batchWrite', request)).toEqual({ writes: 2, deletes: 1 });
  });

  it('bills nothing for other RPCs or a commit without writes', () => {
    expect(billedWrites('beginTransaction', { writes: [{ update: {} }] })).toEqual({ writes: 0, deletes: 0 });
    expect(billedWrites('commit', { transaction: 'x' })).toEqual({ writes: 0, deletes: 0 });
    expect(billedWrites('rollback', null)).toEqual({ writes: 0, deletes: 0 });
  });
});

describe('StreamReads', () => {
  it('bills a read per document found or missing in a lookup, not for the transaction message', () => {
    const reads = new StreamReads('batchGetDocuments');
    for (const m of [
      { transaction: 'tx' },
      { found: { name: 'a' } },
      { missing: 'b' },
      { found: null, missing: '' },
    ])
      reads.message(m);
    reads.end();
    expect(reads.reads).toBe(2);
  });

  it('bills a read per document a query returns, and one for a query that returns none', () => {
    const some = new StreamReads('runQuery');
    for (const m of [
      { document: { name: 'a' } },
      { document: { name: 'b' } },
      { document: null, done: true },
    ])
      some.message(m);
    some.end();
    expect(some.reads).toBe(2);
    const none = new StreamReads('runQuery');
    none.message({ readTime: {} });
    none.end();
    expect(none.reads).toBe(1);
  });

  it('bills an aggregation one read, and a listen stream nothing', () => {
    const count = new StreamReads('runAggregationQuery');
    count.message({ result: { aggregateFields: {} } });
    count.end();
    expect(count.reads).toBe(1);
    const listen = new StreamReads('listen');
    listen.message({ documentChange: {} });
    listen.end();
    expect(listen.reads).toBe(0);
  });
});

describe('meterFirestore', () => {
  const usage = (): FirestoreUsage => ({ reads: 0, writes: 0, deletes: 0, rpcs: {} });

  it('counts a successful commit, not a failed one', async () => {
    let fail = false;
    const proto: FirestoreFunnels = {
      request: () => (fail ? Promise.reject(new Error('aborted')) : Promise.resolve({})),
      requestStream: () => Promise.resolve(new PassThrough({ objectMode: true })),
    };
    const u = usage();
    meterFirestore(proto, u);
    await proto.request('commit', { writes: [{ update: {} }, { delete: 'x' }] });
    fail = true;
    await expect(proto.request('commit', { writes: [{ update: {} }] })).rejects.toThrow('aborted');
    expect(u).toEqual({ reads: 0, writes: 1, deletes: 1, rpcs: { commit: 1 } });
  });

  it('counts the documents of a stream as the caller reads them, leaving the stream paused', async () => {
    const source = new PassThrough({ objectMode: true });
    source.pause();
    const proto: FirestoreFunnels = {
      request: () => Promise.resolve({}),
      requestStream: () => Promise.resolve(source),
    };
    const u = usage();
    meterFirestore(proto, u);
    source.write({ document: { name: 'a' } });
    source.write({ document: { name: 'b' } });
    source.end();
    const stream = await proto.requestStream('runQuery', false, {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.isPaused()).toBe(true);
    expect(u.reads).toBe(0);
    const got: unknown[] = [];
    for await (const m of stream) got.push(m);
    expect(got).toHaveLength(2);
    expect(u).toEqual({ reads: 2, writes: 0, deletes: 0, rpcs: { runQuery: 1 } });
  });
});
